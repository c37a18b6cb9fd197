// dns-packet's name tables (CommonJS modules its index uses); @types/dns-packet does not cover them.
declare module 'dns-packet/types.js' {
  const types: { toString(type: number): string; toType(name: string): number };
  export default types;
}
declare module 'dns-packet/classes.js' {
  const classes: { toString(klass: number): string; toClass(name: string): number };
  export default classes;
}
declare module 'dns-packet/rcodes.js' {
  const rcodes: { toString(rcode: number): string; toRcode(name: string): number };
  export default rcodes;
}
