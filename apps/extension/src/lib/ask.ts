/// <reference types="chrome" />
import type { ExtensionRequest, Reply } from './messages.ts';

/** A request from one of the extension's pages to the service worker; an error reply is thrown with its code. */
export async function ask<T>(request: ExtensionRequest): Promise<T> {
  const reply = await chrome.runtime.sendMessage<ExtensionRequest, Reply<T>>(request);
  if (!reply) throw Object.assign(new Error('The extension did not answer.'), { code: 'INTERNAL' });
  if (!reply.ok) throw Object.assign(new Error(reply.message), { code: reply.code });
  return reply.value;
}

/** document.createElement with attributes and children, text set as text (never as HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean | ((e: Event) => void)> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(key, '');
    else if (value !== false) el.setAttribute(key, value);
  }
  el.append(...children);
  return el;
}
