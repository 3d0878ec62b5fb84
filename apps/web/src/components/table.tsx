/**
 * A data table's caption (for screen readers) and column headers. `actions`: a last column of row buttons, whose
 * header is named for screen readers only.
 */
export function TableHead({ caption, columns, actions = false }: { caption: string; columns: readonly string[]; actions?: boolean }) {
  return (
    <>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((name) => (
            <th key={name} scope="col">
              {name}
            </th>
          ))}
          {actions ? (
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
    </>
  );
}
