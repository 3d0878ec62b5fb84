import { ask, h } from './lib/ask.ts';
import type { MenuView } from './lib/messages.ts';

/**
 * The inline menu, an extension page framed into the page from a closed shadow root. Its token (in the address
 * fragment) names the field's tab and frame; the service worker answers only this page, in that tab.
 */
const token = location.hash.slice(1);
const root = document.getElementById('root')!;

const LIST_LABEL: Partial<Record<MenuView['kind'], string>> = { card: 'Cards', identity: 'Identities' };
const EMPTY: Partial<Record<MenuView['kind'], string>> = { card: 'No card in the vault.', identity: 'No identity in the vault.' };

function render(...nodes: Node[]): void {
  root.replaceChildren(...nodes);
}

async function fillItem(id: string, insecure: boolean, site: string): Promise<void> {
  if (insecure) {
    render(
      h('p', { role: 'alert', class: 'warning' }, `This page is not secure (http). The password saved for https would be sent to ${site} unencrypted.`),
      h('div', { class: 'row' },
        h('button', { type: 'button', onclick: () => void ask({ type: 'menu-fill', token, itemId: id, acceptInsecure: true }) }, 'Fill anyway'),
        h('button', { type: 'button', onclick: () => void show() }, 'Cancel'),
      ),
    );
    return;
  }
  await ask({ type: 'menu-fill', token, itemId: id });
}

function list(view: MenuView): void {
  const options = view.items.map((item) =>
    h('li', { role: 'option', 'aria-label': item.name, 'aria-selected': 'false', tabindex: '0', onclick: () => void fillItem(item.id, item.insecure, document.referrer || 'this site'), onkeydown: (e) => {
      if ((e as KeyboardEvent).key === 'Enter') void fillItem(item.id, item.insecure, 'this site');
    } },
      h('span', { class: 'name' }, item.name),
      h('span', { class: 'user' }, item.username),
      item.vault ? h('span', { class: 'vault' }, `Vault: ${item.vault}`) : '',
    ),
  );
  if (view.canGenerate) {
    options.push(h('li', { role: 'option', 'aria-label': 'Generate a password', 'aria-selected': 'false', tabindex: '0', onclick: () => void ask({ type: 'menu-fill', token, generate: true }) }, h('span', { class: 'name' }, 'Generate a password'), h('span', { class: 'user' }, 'A new random password, offered to save')));
  }
  render(
    h('h1', {}, 'Watchword'),
    view.insecure ? h('p', { class: 'warning' }, 'Not secure (http)') : document.createTextNode(''),
    options.length ? h('ul', { role: 'listbox', 'aria-label': LIST_LABEL[view.kind] ?? 'Logins for this site' }, ...options) : h('p', {}, EMPTY[view.kind] ?? 'No saved login for this site.'),
  );
}

async function show(): Promise<void> {
  const view = await ask<MenuView>({ type: 'menu-get', token });
  if (view.state === 'locked') {
    render(h('h1', {}, 'Watchword'), h('p', {}, 'Watchword is locked. Open it from the toolbar to unlock.'));
    return;
  }
  if (view.confirmFrameOrigin) {
    render(
      h('h1', {}, 'Watchword'),
      h('p', {}, 'This form is in a frame from another site:'),
      h('p', { class: 'origin' }, view.confirmFrameOrigin),
      h('button', { type: 'button', onclick: async () => list(await ask<MenuView>({ type: 'menu-confirm-frame', token })) }, `Fill in ${view.confirmFrameOrigin}`),
    );
    return;
  }
  list(view);
}

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') void ask({ type: 'menu-close', token });
});
show().catch((error: Error) => render(h('p', { role: 'alert' }, error.message)));
