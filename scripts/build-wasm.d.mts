// The types of build-wasm.mjs, for the test that checks FramerKernelWasm.ts is up to date.
export declare const WAT: string
export declare const MODULE: string
export declare const compiledModule: (wat?: string) => Promise<string>
