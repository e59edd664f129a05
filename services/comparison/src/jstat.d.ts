// jstat ships no TypeScript types; these are the few functions this service uses. The CommonJS
// module's export is the jStat object itself (the default import in ESM).
declare module "jstat" {
  const jStat: {
    normal: { cdf(x: number, mean: number, std: number): number; inv(p: number, mean: number, std: number): number };
    chisquare: { cdf(x: number, dof: number): number };
  };
  export default jStat;
}
