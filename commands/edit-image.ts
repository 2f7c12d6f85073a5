import type { MessageActionDefinition } from '#adapters/shared/command-context.js';

/** On any message with an image: opens a form for a prompt, then edits the image with it. */
const editImage: MessageActionDefinition = {
  target: 'message',
  id: 'edit_image',
  name: { en: 'Edit image', ko: '이미지 편집' },
  slack: {
    name: 'Edit with imagine',
    description: "Make a new image from this message's image and a prompt",
  },
};

export default editImage;
