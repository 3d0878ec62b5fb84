import { PageTitle } from '../components/feedback.tsx';
import { Generator } from '../components/generator.tsx';

export function GeneratorPage() {
  return (
    <section class="page narrow">
      <PageTitle title="Password generator">Password generator</PageTitle>
      <p class="hint">Random passwords from your browser's secure random generator; nothing is stored or sent.</p>
      <Generator />
    </section>
  );
}
