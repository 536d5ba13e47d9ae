/** The package ships no types: it exports the role-based local parts (e.g. "sales", "info") as a string array. */
declare module 'role-based-email-addresses' {
  const localParts: string[];
  export = localParts;
}
