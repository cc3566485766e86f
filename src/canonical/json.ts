// A lossless JSON parser that emits one canonical text per document (R20–R23):
// numbers as exact decimal keys (never binary floating point), strings re-escaped one
// fixed way after unescaping, object members sorted by the code points of their names
// (last duplicate wins, as jsonb keeps it), arrays in order, no whitespace.

import { canonicalNumberKey, decimalParts } from './numbers';
import { compareCodePoints } from './order';

class JsonSyntaxError extends Error {}

/** Canonical text of a JSON document, or undefined when the text is not valid JSON. */
export function canonicalJson(text: string): string | undefined {
  try {
    const p = new Parser(text);
    p.ws();
    const out = p.value(0);
    p.ws();
    if (p.i !== text.length) return undefined;
    return out;
  } catch (e) {
    // syntax errors and pathological nesting (RangeError) alike: not a document we can read
    return undefined;
  }
}

const MAX_DEPTH = 2000;

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  fail(): never {
    throw new JsonSyntaxError('bad json at ' + this.i);
  }

  value(depth: number): string {
    if (depth > MAX_DEPTH) this.fail();
    const s = this.s;
    const c = s.charCodeAt(this.i);
    switch (c) {
      case 123: // {
        return this.object(depth);
      case 91: // [
        return this.array(depth);
      case 34: // "
        return 's' + JSON.stringify(this.string());
      case 116: // t
        return this.literal('true', 'T');
      case 102: // f
        return this.literal('false', 'F');
      case 110: // n
        return this.literal('null', 'N');
      default:
        return this.number();
    }
  }

  literal(word: string, tag: string): string {
    if (this.s.startsWith(word, this.i)) {
      this.i += word.length;
      return tag;
    }
    this.fail();
  }

  number(): string {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (s.charCodeAt(i) === 45) i++;
    const d0 = i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === d0) this.fail();
    if (s.charCodeAt(d0) === 48 && i - d0 > 1) this.fail(); // leading zero
    if (s.charCodeAt(i) === 46) {
      i++;
      const f0 = i;
      while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === f0) this.fail();
    }
    const e = s.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      if (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45) i++;
      const e0 = i;
      while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === e0) this.fail();
    }
    this.i = i;
    const parts = decimalParts(s.slice(start, i));
    if (!parts) this.fail();
    return 'n' + canonicalNumberKey(parts);
  }

  string(): string {
    const s = this.s;
    let i = this.i + 1;
    let out = '';
    let runStart = i;
    for (;;) {
      if (i >= s.length) this.fail();
      const c = s.charCodeAt(i);
      if (c === 34) {
        out += s.slice(runStart, i);
        this.i = i + 1;
        return out;
      }
      if (c < 0x20) this.fail();
      if (c === 92) {
        out += s.slice(runStart, i);
        const e = s.charCodeAt(i + 1);
        switch (e) {
          case 34: out += '"'; break;
          case 92: out += '\\'; break;
          case 47: out += '/'; break;
          case 98: out += '\b'; break;
          case 102: out += '\f'; break;
          case 110: out += '\n'; break;
          case 114: out += '\r'; break;
          case 116: out += '\t'; break;
          case 117: {
            const hex = s.slice(i + 2, i + 6);
            if (hex.length !== 4 || !/^[0-9a-fA-F]{4}$/.test(hex)) this.fail();
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            this.fail();
        }
        i += 2;
        runStart = i;
        continue;
      }
      i++;
    }
  }

  array(depth: number): string {
    this.i++;
    this.ws();
    const parts: string[] = [];
    if (this.s.charCodeAt(this.i) === 93) {
      this.i++;
      return '[]';
    }
    for (;;) {
      this.ws();
      parts.push(this.value(depth + 1));
      this.ws();
      const c = this.s.charCodeAt(this.i);
      this.i++;
      if (c === 44) continue;
      if (c === 93) break;
      this.fail();
    }
    return '[' + parts.join(',') + ']';
  }

  object(depth: number): string {
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) {
      this.i++;
      return '{}';
    }
    const members = new Map<string, string>();
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 34) this.fail();
      const name = this.string();
      this.ws();
      if (this.s.charCodeAt(this.i) !== 58) this.fail();
      this.i++;
      this.ws();
      const v = this.value(depth + 1);
      members.delete(name); // last duplicate wins, in its own position (irrelevant after sort)
      members.set(name, v);
      this.ws();
      const c = this.s.charCodeAt(this.i);
      this.i++;
      if (c === 44) continue;
      if (c === 125) break;
      this.fail();
    }
    const names = [...members.keys()].sort(compareCodePoints);
    let out = '{';
    for (let k = 0; k < names.length; k++) {
      if (k) out += ',';
      out += JSON.stringify(names[k]) + ':' + members.get(names[k]);
    }
    return out + '}';
  }
}
