/**
 * Checks the lexical shape of a page's content stream as it is inflated, chunk
 * by chunk, without keeping it: strings close, hex strings hold only hex digits,
 * and no stray ")" or ">" appears. pdf-lib never reads content; viewers skip what
 * they cannot read, and qpdf warns about it. Inline image data (between "ID" and
 * "EI") is skipped as readers do. Pure: no platform.
 */
import { isDelimiter, isWhite } from "./structure";

export class ContentSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContentSyntaxError";
  }
}

const enum State {
  Normal,
  Literal,
  Escape,
  Hex,
  Comment,
  /** After "<": "<<" or a hex string. */
  Less,
  /** After ">": must be ">>". */
  Greater,
  /** Inline image data, after "ID". */
  Inline,
}

const isHex = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

export class ContentLexer {
  private state = State.Normal;
  private depth = 0;
  /** The regular characters of the token being read, up to 2 (enough to see "ID"). */
  private word = "";
  private wordLength = 0;
  /** The last two bytes of inline image data, to find "EI" after whitespace. */
  private tail: number[] = [];

  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) this.byte(chunk[i]!);
  }

  /** The stream has ended: nothing may be left open. */
  end(): void {
    if (this.state === State.Normal || this.state === State.Comment) return;
    if (this.state === State.Inline) return; // data to the end, as readers tolerate
    throw new ContentSyntaxError("content ends inside a string or token");
  }

  /** Ends the token being read; true when it was "ID", which starts inline image data. */
  private endWord(): boolean {
    const inline = this.wordLength === 2 && this.word === "ID";
    this.word = "";
    this.wordLength = 0;
    if (inline) {
      this.state = State.Inline;
      this.tail = [];
    }
    return inline;
  }

  private byte(b: number): void {
    switch (this.state) {
      case State.Normal:
        if (isWhite(b) || isDelimiter(b)) {
          if (this.endWord()) return;
          if (b === 0x28) {
            this.state = State.Literal;
            this.depth = 1;
          } else if (b === 0x29) throw new ContentSyntaxError("unexpected )");
          else if (b === 0x3c) this.state = State.Less;
          else if (b === 0x3e) this.state = State.Greater;
          else if (b === 0x25) this.state = State.Comment;
        } else {
          this.wordLength++;
          if (this.wordLength <= 2) this.word += String.fromCharCode(b);
        }
        return;
      case State.Literal:
        if (b === 0x5c) this.state = State.Escape;
        else if (b === 0x28) this.depth++;
        else if (b === 0x29 && --this.depth === 0) this.state = State.Normal;
        return;
      case State.Escape:
        this.state = State.Literal;
        return;
      case State.Less:
        if (b === 0x3c) this.state = State.Normal;
        else {
          this.state = State.Hex;
          this.byte(b);
        }
        return;
      case State.Hex:
        if (b === 0x3e) this.state = State.Normal;
        else if (!isHex(b) && !isWhite(b)) throw new ContentSyntaxError("invalid character in a hex string");
        return;
      case State.Greater:
        if (b !== 0x3e) throw new ContentSyntaxError("unexpected >");
        this.state = State.Normal;
        return;
      case State.Comment:
        if (b === 0x0a || b === 0x0d) this.state = State.Normal;
        return;
      case State.Inline: {
        // "EI" after whitespace, then whitespace or a delimiter, ends the data.
        const [a, c] = [this.tail[this.tail.length - 2], this.tail[this.tail.length - 1]];
        const before = this.tail[this.tail.length - 3];
        if (a === 0x45 && c === 0x49 && before !== undefined && isWhite(before) && (isWhite(b) || isDelimiter(b))) {
          this.state = State.Normal;
          this.tail = [];
          this.byte(b);
          return;
        }
        this.tail.push(b);
        if (this.tail.length > 3) this.tail.shift();
        return;
      }
    }
  }
}
