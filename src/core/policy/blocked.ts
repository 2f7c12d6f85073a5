/**
 * Blocked terms: words matched however a prompt disguises them, or `/regex/` patterns. Pure.
 *
 * Both sides are folded the same way: NFKC (full-width letters become ASCII, decomposed or
 * compatibility Hangul jamo compose into syllables), lower case, common Cyrillic and Greek
 * look-alikes mapped to Latin, and invisible format characters removed. Words are then compared
 * with every space and punctuation mark removed, so `b a d`, `b.a.d` and `ｂａｄ` are all `bad`.
 * The price is that a word may also be found across two innocent ones; a server that blocks short
 * words should use a `/\bword\b/` pattern instead.
 */

/** Letters other scripts draw exactly like Latin ones, the usual way round a word filter. */
const lookAlikes: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ɡ: 'g',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
};
const lookAlikePattern = new RegExp(`[${Object.keys(lookAlikes).join('')}]`, 'gu');

/** For each initial consonant jamo (U+1100…U+1112), its index as a final consonant; 0 where none. */
const finalOfInitial = [1, 2, 4, 7, 0, 8, 16, 17, 0, 19, 20, 21, 22, 0, 23, 24, 25, 26, 27];
const isOpenSyllable = (code: number) =>
  code >= 0xac00 && code <= 0xd7a3 && (code - 0xac00) % 28 === 0;

/**
 * Compatibility jamo typed one by one (`ㅂㅏㄴ`) come out of NFKC as an initial consonant after an
 * open syllable (`바ᄂ`), since NFKC cannot know the consonant closes it; this closes it (`반`).
 */
const closeSyllables = (text: string): string =>
  text.replace(/([가-힣])([ᄀ-ᄒ])(?![ᅡ-ᅵ])/gu, (pair, open: string, initial: string) => {
    const syllable = open.charCodeAt(0);
    const final = finalOfInitial[initial.charCodeAt(0) - 0x1100] ?? 0;
    return isOpenSyllable(syllable) && final > 0 ? String.fromCharCode(syllable + final) : pair;
  });

/** Folded text with its spacing kept, for patterns that care about word boundaries. */
export const foldText = (text: string): string =>
  closeSyllables(text.normalize('NFKC'))
    .toLowerCase()
    .replace(/\p{Cf}/gu, '')
    .replace(lookAlikePattern, (letter) => lookAlikes[letter] ?? letter)
    .replace(/\s+/gu, ' ');

/** Folded text without spaces or punctuation, for words. */
export const compactText = (text: string): string => foldText(text).replace(/[\s\p{P}\p{S}]/gu, '');

const patternSyntax = /^\/(.+)\/$/su;

/** The longest term accepted: long enough for any word or sensible pattern. */
export const maxTermLength = 200;

/** Why a term cannot be blocked, or undefined when it can. */
export const termProblem = (term: string): 'empty' | 'tooLong' | 'badPattern' | undefined => {
  if ([...term].length > maxTermLength) return 'tooLong';
  const pattern = patternSyntax.exec(term)?.[1];
  if (pattern === undefined) return compactText(term) === '' ? 'empty' : undefined;
  try {
    new RegExp(pattern, 'iu');
    return undefined;
  } catch {
    return 'badPattern';
  }
};

/** The first blocked term the prompt contains, or undefined. */
export const findBlockedTerm = (prompt: string, terms: readonly string[]): string | undefined => {
  if (terms.length === 0) return undefined;
  const folded = foldText(prompt);
  const compact = compactText(prompt);
  return terms.find((term) => {
    const pattern = patternSyntax.exec(term)?.[1];
    if (pattern === undefined) {
      const word = compactText(term);
      return word !== '' && compact.includes(word);
    }
    try {
      // Only NFKC: lower-casing would turn `\S` or `\W` into other classes.
      const regex = new RegExp(pattern.normalize('NFKC'), 'iu');
      return regex.test(folded) || regex.test(compact);
    } catch {
      // Checked when added; a stored pattern this engine rejects blocks nothing rather than everything.
      return false;
    }
  });
};
