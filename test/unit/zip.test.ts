import { describe, expect, it } from "vitest";
import { crc32, dosDateTime, zipStream, type ZipEntry } from "../../src/domain/zip";
import { collect, readZip, unzip } from "../support/unzip";

const at = new Date("2026-03-14T15:09:26Z");
const text = (s: string) => new TextEncoder().encode(s);

async function* from(entries: ZipEntry[]): AsyncGenerator<ZipEntry> {
  for (const e of entries) yield e;
}

const zipOf = (entries: ZipEntry[]) => collect(zipStream(from(entries)));

describe("zipStream", () => {
  it("round-trips names with æøå, an empty file and binary bytes, in order, with the UTF-8 flag", async () => {
    const binary = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256);
    const entries = [
      { name: "README.txt", modified: at, data: text("Hei!") },
      { name: "konvolutter/2026-03-14-låneavtale-ærlig-øl/envelope.json", modified: at, data: text('{"title":"Låneavtale"}') },
      { name: "tom.txt", modified: at, data: new Uint8Array(0) },
      { name: "bin/random.bin", modified: at, data: binary },
    ];
    const read = readZip(await zipOf(entries));
    expect(read.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    for (const [i, e] of read.entries()) {
      expect(e.data).toEqual(entries[i]!.data);
      expect(e.flags & 0x0800).toBe(0x0800);
      expect(e.method).toBe(0);
      expect(e.modified.toISOString()).toBe("2026-03-14T15:09:26.000Z");
      // A Unix host and a plain 0644 file: Info-ZIP's unzip honours the UTF-8 flag only then.
      expect(e.madeBy >> 8).toBe(3);
      expect((e.externalAttributes >>> 16).toString(8)).toBe("100644");
    }
  });

  it("writes a valid empty archive (just the end record)", async () => {
    const bytes = await zipOf([]);
    expect(bytes.length).toBe(22);
    expect(unzip(bytes).size).toBe(0);
  });

  it("computes the standard CRC-32", () => {
    expect(crc32(text("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("writes DOS times in UTC with 2-second steps, clamped to 1980", () => {
    const { date, time } = dosDateTime(new Date("2026-12-31T23:59:59.900Z"));
    expect([(date >> 9) + 1980, (date >> 5) & 0xf, date & 0x1f]).toEqual([2026, 12, 31]);
    expect([time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2]).toEqual([23, 59, 58]);
    expect(dosDateTime(new Date("1970-01-01T00:00:00Z"))).toEqual({ date: (0 << 9) | (1 << 5) | 1, time: 0 });
  });

  it("asks for the next entry only after the previous entry's bytes have been read", async () => {
    const asked: string[] = [];
    async function* source(): AsyncGenerator<ZipEntry> {
      for (const n of [1, 2, 3]) {
        asked.push(`entry ${n}`);
        yield { name: `doc-${n}.pdf`, modified: at, data: new Uint8Array(1000).fill(n) };
      }
    }
    const stream = zipStream(source());
    // Building the stream reads nothing.
    await new Promise((r) => setTimeout(r, 10));
    expect(asked).toEqual([]);

    const reader = stream.getReader();
    const header = await reader.read();
    expect(header.value!.length).toBe(30 + "doc-1.pdf".length);
    await new Promise((r) => setTimeout(r, 10));
    expect(asked).toEqual(["entry 1"]);
    const data = await reader.read();
    expect(data.value).toEqual(new Uint8Array(1000).fill(1));
    await new Promise((r) => setTimeout(r, 10));
    // Entry 1's data is with the reader and entry 2 is still not made.
    expect(asked).toEqual(["entry 1"]);
    await reader.read();
    expect(asked).toEqual(["entry 1", "entry 2"]);
    await reader.cancel();
  });

  it("closes the entry source when the reader cancels", async () => {
    let closed = false;
    async function* source(): AsyncGenerator<ZipEntry> {
      try {
        for (let n = 0; ; n++) yield { name: `f${n}`, modified: at, data: new Uint8Array(10) };
      } finally {
        closed = true;
      }
    }
    const reader = zipStream(source()).getReader();
    await reader.read();
    await reader.cancel();
    expect(closed).toBe(true);
  });

  for (const name of ["../etc/passwd", "a/../../b", "/abs.txt", "a\\b.txt", "a//b", "./x", "dir/", "", "C:/x", "tab\there", "nul\u0000", "del\u007f", "lone\ud800"]) {
    it(`refuses the entry name ${JSON.stringify(name)}`, async () => {
      await expect(zipOf([{ name, modified: at, data: text("x") }])).rejects.toThrow(/Invalid entry name/);
    });
  }

  it("refuses two entries with the same name", async () => {
    await expect(zipOf([{ name: "a.txt", modified: at, data: text("1") }, { name: "a.txt", modified: at, data: text("2") }])).rejects.toThrow(/Duplicate/);
  });

  it("refuses before the first byte of an entry that is too big, and before passing the archive size limit", async () => {
    const limits = { maxBytes: 1000, maxEntries: 10 };
    const one = (name: string, size: number) => ({ name, modified: at, data: new Uint8Array(size) });
    await expect(collect(zipStream(from([one("big.bin", 1001)]), limits))).rejects.toThrow(/larger than 1000 bytes/);
    // Each fits alone; together their headers and data pass the limit.
    await expect(collect(zipStream(from([one("a.bin", 600), one("b.bin", 600)]), limits))).rejects.toThrow(/would pass 1000 bytes/);

    const reader = zipStream(from([one("a.bin", 600), one("b.bin", 600)]), limits).getReader();
    let delivered = 0;
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          delivered += value.length;
        }
      })(),
    ).rejects.toThrow();
    // Entry a (header and data) went out; not one byte of b.
    expect(delivered).toBe(30 + 5 + 600);
  });

  it("refuses more entries than a classic ZIP holds (65,534), without ZIP64", async () => {
    async function* many(n: number): AsyncGenerator<ZipEntry> {
      const data = new Uint8Array(0);
      for (let i = 0; i < n; i++) yield { name: `${i}`, modified: at, data };
    }
    const full = readZip(await collect(zipStream(many(65_534))));
    expect(full.length).toBe(65_534);
    await expect(collect(zipStream(many(65_535)))).rejects.toThrow(/ZIP64/);
  });
});
