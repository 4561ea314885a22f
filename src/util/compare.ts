// Sorting by plain code-unit order. String.prototype.localeCompare loads ICU's collator on its
// first call (6-7 ms here, on every `ps` and `rm`); the strings sorted here are ISO timestamps and
// names of [a-zA-Z0-9_.-], whose order is their byte order (as Docker's Go sort.Strings gives).
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
