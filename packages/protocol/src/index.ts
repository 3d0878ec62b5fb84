export * from './errors.ts';
export * from './encoding.ts';
