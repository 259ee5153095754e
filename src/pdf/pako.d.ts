/** The part of pako 1.x (zlib in JavaScript) that inflate.ts uses: streaming inflate with a callback per output chunk. */
declare module "pako" {
  export class Inflate {
    constructor(options?: { chunkSize?: number });
    /** Called with each chunk of output as it is produced; an exception thrown here stops the inflate. */
    onData: (chunk: Uint8Array) => void;
    push(data: Uint8Array, mode?: boolean | number): boolean;
    /** The data reached its end (its final block), or failed. */
    ended: boolean;
    /** zlib's status: 0 when fine. */
    err: number;
    msg: string;
  }
}
