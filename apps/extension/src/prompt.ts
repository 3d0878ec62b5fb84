import { ask, h } from './lib/ask.ts';
import type { PromptView } from './lib/messages.ts';

/** The save / update prompt after a form was submitted with credentials Watchword does not have. Saves only on a click. */
const token = location.hash.slice(1);
const root = document.getElementById('root')!;

async function answer(value: 'save' | 'never' | 'dismiss'): Promise<void> {
  await ask({ type: 'prompt-answer', token, answer: value });
}

async function show(): Promise<void> {
  const view = await ask<PromptView>({ type: 'prompt-get', token });
  const title = view.mode === 'update' ? `Update the password of ${view.itemName ?? view.site}?` : `Save this login for ${view.site}?`;
  root.replaceChildren(
    h('section', { role: 'dialog', 'aria-label': 'Watchword: save login' },
      h('h1', {}, title),
      h('p', {}, view.username ? `User name: ${view.username}` : 'No user name'),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'primary', onclick: () => void answer('save') }, view.mode === 'update' ? 'Update' : 'Save'),
        h('button', { type: 'button', onclick: () => void answer('never') }, 'Never for this site'),
        h('button', { type: 'button', onclick: () => void answer('dismiss') }, 'Not now'),
      ),
    ),
  );
}
show().catch((error: Error) => root.replaceChildren(h('p', { role: 'alert' }, error.message)));
