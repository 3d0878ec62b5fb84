import { render } from 'preact';
import { App } from './app.tsx';
import { registerServiceWorker } from './lib/offline/service-worker.ts';
import { start } from './lib/session.ts';
import './styles.css';

render(<App />, document.getElementById('app') as HTMLElement);
registerServiceWorker();
void start();
