// Pure canonical rules: numbers, JSON, key order, temporal text, schema pairing, key bounds.

import { describe, expect, test } from 'vitest';
import {
  canonicalJson, checkSchemas, compareCodePoints, compareKeys, familyOf, makeRowEncoder, NULL_BYTES,
  normalizeDecimal, normalizeInt, normalizeTimestamptz, valueEncoder, withPairFamilies, CANONICAL_VERSION,
} from '../../src/canonical';
import { boundSql, ceilCanonicalUuid, type KeyBoundColumn } from '../../src/canonical/bounds';
import type { ColumnInfo, ColumnPair, Family, TableSchema } from '../../src/core/types';

const col = (name: string, nativeType: string, family: Family, nullable = false, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name, nativeType, family, nullable, ...extra });
const pgT = (columns: ColumnInfo[], primaryKey = ['id']): TableSchema => ({ dialect: 'postgres', table: 't', columns, primaryKey, rowEstimate: 0 });
const myT = (columns: ColumnInfo[], primaryKey = ['id']): TableSchema => ({ dialect: 'mysql', table: 't', columns, primaryKey, rowEstimate: 0 });
const enc = (family: Family, raw: string | Buffer, c: ColumnInfo = col('v', 'x', family)) => valueEncoder(family, c)(raw).toString('hex');

test('canonical version is 1', () => expect(CANONICAL_VERSION).toBe(1));

describe('numbers', () => {
  test('R3 R10 R12 integer text: plain base 10, -0 = 0, no leading zeros, never through floating point', () => {
    expect(normalizeInt('9007199254740993')).toBe('9007199254740993');
    expect(normalizeInt('-0')).toBe('0');
    expect(normalizeInt('+007')).toBe('7');
    expect(normalizeInt('-0042')).toBe('-42');
    expect(normalizeInt('1.5')).toBeUndefined();
    expect(enc('int', '9007199254740993')).not.toBe(enc('int', '9007199254740992'));
  });
  test('R10a R13 decimal text: plain, no trailing fractional zeros, -0.000 = 0', () => {
    expect(normalizeDecimal('1.500000')).toBe('1.5');
    expect(normalizeDecimal('-0.000')).toBe('0');
    expect(normalizeDecimal('000.50')).toBe('0.5');
    expect(normalizeDecimal('100')).toBe('100');
    expect(normalizeDecimal('1.5e3')).toBe('1500');
    expect(normalizeDecimal('-12.0')).toBe('-12');
    expect(normalizeDecimal('NaN')).toBeUndefined();
    expect(enc('decimal', '12345678901234567890.1234567891')).not.toBe(enc('decimal', '12345678901234567890.1234567892'));
  });
});

describe('JSON (lossless parser)', () => {
  test('R20 member order and whitespace do not matter; array order does', () => {
    expect(canonicalJson('{"b": [1, 2], "a": {"y": 1, "x": 2}}')).toBe(canonicalJson('{"a":{"x":2,"y":1},"b":[1,2]}'));
    expect(canonicalJson('[1,2]')).not.toBe(canonicalJson('[2,1]'));
  });
  test('R21 strings by code points after unescaping; member names sorted by code point, not UTF-16', () => {
    expect(canonicalJson('"\\u00e9"')).toBe(canonicalJson('"é"'));
    expect(canonicalJson('"é"')).not.toBe(canonicalJson('"e\u0301"'));
    expect(canonicalJson('{"\uffff":1,"😀":2}')).toBe('{"\uffff":n1E0,"😀":n2E0}');
  });
  test('R22 numbers by exact decimal value: 1 = 1.0 = 1e0 = 10e-1, -0 = 0, big integers differ', () => {
    const one = canonicalJson('1');
    for (const s of ['1.0', '1e0', '10e-1', '0.1e1', '1.000E+0']) expect(canonicalJson(s)).toBe(one);
    expect(canonicalJson('-0')).toBe(canonicalJson('0'));
    expect(canonicalJson('-0.0e5')).toBe(canonicalJson('0'));
    expect(canonicalJson('12345678901234567890')).not.toBe(canonicalJson('12345678901234567891'));
    expect(canonicalJson('1e999999999999999999999')).not.toBe(canonicalJson('1e999999999999999999998'));
  });
  test('R23 kinds are distinct; missing ≠ null member; duplicates: last wins', () => {
    const kinds = ['"1"', '1', 'true', 'false', 'null', '[]', '{}', '""', '"true"', '"null"'].map(canonicalJson);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(canonicalJson('{"a":1}')).not.toBe(canonicalJson('{"a":1,"b":null}'));
    expect(canonicalJson('{"a":1,"a":2}')).toBe(canonicalJson('{"a":2}'));
  });
  test('R31 invalid JSON text is its own value, and nothing throws', () => {
    for (const s of ['', '{', '[1,]', '01', '"\\x"', 'nul', '[' .repeat(100000)]) expect(canonicalJson(s)).toBeUndefined();
    expect(() => enc('json', '{')).not.toThrow();
    expect(enc('json', 'not json')).not.toBe(enc('json', '"not json"'));
  });
});

describe('key order', () => {
  test('R4 R5 text keys in code-point order, not UTF-16 order (astral vs U+E000–U+FFFF)', () => {
    const keys = ['\uffff', '😀', 'a', 'B', 'á', 'a ', '', '\ue000'];
    const sorted = [...keys].sort(compareCodePoints);
    expect(sorted).toEqual(['', 'B', 'a', 'a ', 'á', '\ue000', '\uffff', '😀']);
    const utf8 = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(sorted).toEqual(utf8);
    expect('😀' < '\uffff').toBe(true); // JS's own order differs
    expect(compareKeys(['😀'], ['\uffff'], ['text'])).toBe(1);
  });
  test('R3 integer keys numeric and exact over signed and unsigned 64-bit', () => {
    const ks = ['18446744073709551615', '-9223372036854775808', '9223372036854775807', '9007199254740993', '9007199254740992', '0', '-1', '10', '9'];
    const sorted = [...ks].sort((a, b) => compareKeys([a], [b], ['int']));
    expect(sorted).toEqual([...ks].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0)));
  });
  test('R10a decimal, date, timestamp, binary and bool keys sort by value', () => {
    expect(['10', '9.5', '-1.25', '-1.3', '0', '0.05'].sort((a, b) => compareKeys([a], [b], ['decimal']))).toEqual(['-1.3', '-1.25', '0', '0.05', '9.5', '10']);
    expect(['NaN', 'Infinity', '1', '-Infinity'].sort((a, b) => compareKeys([a], [b], ['decimal']))).toEqual(['-Infinity', '1', 'Infinity', 'NaN']);
    expect(['infinity', '2024-01-01', '0044-03-15 BC', '0100-01-01 BC', '-infinity', '10000-01-01', '0000-00-00', '0999-01-01'].sort((a, b) => compareKeys([a], [b], ['date'])))
      .toEqual(['-infinity', '0100-01-01 BC', '0044-03-15 BC', '0000-00-00', '0999-01-01', '2024-01-01', '10000-01-01', 'infinity']);
    expect(['ff', '00ff', '', '0100'].sort((a, b) => compareKeys([a], [b], ['binary']))).toEqual(['', '00ff', '0100', 'ff']);
    expect(['true', '2', 'false', '-1'].sort((a, b) => compareKeys([a], [b], ['bool']))).toEqual(['-1', 'false', 'true', '2']);
  });
  test('R1 composite keys compare column by column', () => {
    expect(compareKeys(['1', 'b'], ['1', 'a'], ['int', 'text'])).toBe(1);
    expect(compareKeys(['1', 'b'], ['2', 'a'], ['int', 'text'])).toBe(-1);
    expect(compareKeys(['1', 'a'], ['1', 'a'], ['int', 'text'])).toBe(0);
  });
});

describe('temporal text', () => {
  test('R25 R27 timestamptz offsets convert to UTC without Date or process time zone', () => {
    expect(normalizeTimestamptz('2024-01-01 02:00:00+02')).toBe('2024-01-01 00:00:00.000000');
    expect(normalizeTimestamptz('2024-01-01 05:30:00.5+05:30')).toBe('2024-01-01 00:00:00.500000');
    expect(normalizeTimestamptz('2024-03-01 01:00:00-03')).toBe('2024-03-01 04:00:00.000000');
    expect(normalizeTimestamptz('2024-02-29 23:00:00-02')).toBe('2024-03-01 01:00:00.000000');
    expect(normalizeTimestamptz('1800-01-01 00:00:00+05:53:28')).toBe('1799-12-31 18:06:32.000000');
    expect(normalizeTimestamptz('2024-01-01 00:00:00.123456')).toBe('2024-01-01 00:00:00.123456');
    expect(normalizeTimestamptz('infinity')).toBe('infinity');
    expect(normalizeTimestamptz('0044-03-15 10:00:00+00 BC')).toBe('0044-03-15 10:00:00.000000 BC');
  });
  test('R30 one microsecond differs; R24 fraction padding is representation only', () => {
    expect(enc('timestamp', '2024-01-01 00:00:00.5')).toBe(enc('timestamp', '2024-01-01 00:00:00.500000'));
    expect(enc('timestamp', '2024-01-01 00:00:00.000001')).not.toBe(enc('timestamp', '2024-01-01 00:00:00'));
    expect(enc('time', '10:00:00')).toBe(enc('time', '10:00:00.000000'));
  });
});

describe('value encodings', () => {
  test('R11 NULL has its own tag, distinct from every family\'s empty or zero value', () => {
    const empties: [Family, string | Buffer][] = [['text', ''], ['int', '0'], ['bool', 'f'], ['binary', Buffer.alloc(0)], ['json', 'null'], ['json', '{}'], ['date', '0000-00-00'], ['char', ''], ['decimal', '0'], ['float', '0']];
    for (const [f, v] of empties) expect(valueEncoder(f, col('v', 'x', f))(v).equals(NULL_BYTES)).toBe(false);
    const pairs: ColumnPair[] = [{ name: 'id', family: 'int', isKey: true, source: col('id', 'bigint', 'int'), target: col('id', 'bigint', 'int') }, { name: 'v', family: 'text', isKey: false, source: col('v', 'text', 'text'), target: col('v', 'text', 'text') }];
    const r = makeRowEncoder(pairs, 'source')(['5', null]);
    expect(r.key).toEqual(['5']);
    expect(r.values[1].equals(NULL_BYTES)).toBe(true);
  });
  test('R14 float text forms are representation; -0 = 0; float32 sides round to float32', () => {
    expect(enc('float', '1e+308')).toBe(enc('float', '1e308'));
    expect(enc('float', '-0')).toBe(enc('float', '0'));
    expect(enc('float', '0.30000000000000004')).not.toBe(enc('float', '0.3'));
    const f4 = col('v', 'real', 'float');
    expect(enc('float', '0.1', f4)).toBe(enc('float', '0.10000000149011612', col('v', 'float', 'float')));
  });
  test('R15 booleans: t/true/1 and f/false/0; 2 differs from both', () => {
    expect(enc('bool', 't')).toBe(enc('bool', '1'));
    expect(enc('bool', 'f')).toBe(enc('bool', '0'));
    expect(enc('bool', '2')).not.toBe(enc('bool', '1'));
    expect(enc('bool', '2')).not.toBe(enc('bool', '0'));
  });
  test('R16 R17 text exact; char strips trailing U+0020 only', () => {
    expect(enc('text', 'x')).not.toBe(enc('text', 'x '));
    expect(enc('char', 'ab   ')).toBe(enc('char', 'ab'));
    expect(enc('char', 'ab\t')).not.toBe(enc('char', 'ab'));
    expect(enc('char', ' ab')).not.toBe(enc('char', 'ab'));
  });
  test('R18 R10a binary: PG hex text and MariaDB Buffers encode the same bytes; key text is lowercase hex', () => {
    expect(enc('binary', '\\x00ff')).toBe(enc('binary', Buffer.from([0, 255])));
    const pairs: ColumnPair[] = [{ name: 'id', family: 'binary', isKey: true, source: col('id', 'bytea', 'binary'), target: col('id', 'varbinary(4)', 'binary') }];
    expect(makeRowEncoder(pairs, 'source')(['\\xDEAD']).key).toEqual(['dead']);
    expect(makeRowEncoder(pairs, 'target')([Buffer.from([0xde, 0xad])]).key).toEqual(['dead']);
  });
  test('R19 uuid exact text: uppercase differs', () => {
    expect(enc('uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).not.toBe(enc('uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'));
  });
  test('R31 edge values never throw and never equal a finite value', () => {
    for (const [f, v] of [['float', 'NaN'], ['float', 'Infinity'], ['float', '-Infinity'], ['decimal', 'NaN'], ['decimal', 'Infinity'], ['date', 'infinity'], ['date', '0044-03-15 BC'], ['timestamptz', '-infinity'], ['int', 'garbage'], ['json', ']']] as [Family, string][]) {
      expect(() => enc(f, v)).not.toThrow();
    }
    expect(enc('float', 'Infinity')).not.toBe(enc('float', '1.7976931348623157e308'));
    expect(enc('decimal', 'NaN')).not.toBe(enc('decimal', '0'));
  });
});

describe('checkSchemas', () => {
  const id = col('id', 'bigint', 'int');
  const myId = col('id', 'bigint(20)', 'int');
  test('R1 halts: no primary key, different keys, missing column', () => {
    expect(checkSchemas(pgT([id], []), myT([myId])).halts.join()).toMatch(/no primary key in source/);
    const k = checkSchemas(pgT([id, col('b', 'text', 'text')], ['id', 'b']), myT([myId, col('b', 'text', 'text')], ['b', 'id']));
    expect(k.halts.join()).toMatch(/primary keys differ: \(id, b\) in source vs \(b, id\) in target/);
    expect(checkSchemas(pgT([id, col('x', 'text', 'text')]), myT([myId])).halts).toEqual(['column "x" is missing in target']);
  });
  test('R12–R28 families per type pair, keys first then by name', () => {
    const s = pgT([
      col('z', 'boolean', familyOf('postgres', 'boolean')),
      id,
      col('u', 'uuid', familyOf('postgres', 'uuid')),
      col('ts', 'timestamp with time zone', familyOf('postgres', 'timestamp with time zone')),
      col('tt', 'timestamp without time zone', familyOf('postgres', 'timestamp without time zone')),
      col('j', 'jsonb', familyOf('postgres', 'jsonb')),
      col('c', 'character(3)', familyOf('postgres', 'character(3)')),
      col('n', 'numeric(12,2)', familyOf('postgres', 'numeric(12,2)')),
      col('f', 'real', familyOf('postgres', 'real')),
      col('e', 'mood', familyOf('postgres', 'mood', { enum: true })),
    ]);
    const t = myT([
      col('z', 'tinyint(1)', familyOf('mysql', 'tinyint(1)')),
      myId,
      col('u', 'char(36)', familyOf('mysql', 'char(36)')),
      col('ts', 'timestamp(6)', familyOf('mysql', 'timestamp(6)')),
      col('tt', 'datetime(6)', familyOf('mysql', 'datetime(6)')),
      col('j', 'longtext', familyOf('mysql', 'longtext', { json: true })),
      col('c', 'char(3)', familyOf('mysql', 'char(3)')),
      col('n', 'decimal(12,2)', familyOf('mysql', 'decimal(12,2)')),
      col('f', 'float', familyOf('mysql', 'float')),
      col('e', "enum('a','b)')", familyOf('mysql', "enum('a','b)')")),
    ]);
    const k = checkSchemas(s, t);
    expect(k.halts).toEqual([]);
    expect(k.columns.map((c) => `${c.name}:${c.family}`)).toEqual(['id:int', 'c:char', 'e:enum', 'f:float', 'j:json', 'n:decimal', 'ts:timestamptz', 'tt:timestamp', 'u:uuid', 'z:bool']);
    // the reverse direction pairs the same way
    expect(checkSchemas(t, s).columns.map((c) => c.family)).toEqual(k.columns.map((c) => c.family));
    expect(withPairFamilies(t, k.columns).columns.find((c) => c.name === 'z')!.family).toBe('bool');
  });
  test('incomparable types halt in words; unknown types are listed as not compared; bad key families halt', () => {
    const k = checkSchemas(pgT([id, col('price', 'numeric(12,2)', 'decimal'), col('tags', 'text[]', familyOf('postgres', 'text[]')), col('iv', 'interval', familyOf('postgres', 'interval'))]),
      myT([myId, col('price', 'varchar(20)', 'text'), col('tags', 'text', 'text'), col('iv', 'time', 'time')]));
    expect(k.halts).toEqual(['column "price": numeric(12,2) in source vs varchar(20) in target are not comparable']);
    expect(k.notCompared.map((n) => n.column)).toEqual(['iv', 'tags']);
    expect(k.notCompared[0].reason).toMatch(/interval in source has no comparison rule/);
    const f = checkSchemas(pgT([col('id', 'double precision', 'float')]), myT([col('id', 'double', 'float')]));
    expect(f.halts[0]).toMatch(/key column "id".*cannot be used as a key/);
    const b = checkSchemas(pgT([col('id', 'bit(3)', familyOf('postgres', 'bit(3)'))]), myT([col('id', 'bit(3)', familyOf('mysql', 'bit(3)'))]));
    expect(b.halts[0]).toMatch(/key column "id"/);
  });
  test('findings: collation, charset and nullability differences', () => {
    const k = checkSchemas(pgT([id, col('v', 'text', 'text', true, { charset: 'UTF8', collation: 'en_US.utf8' })]), myT([myId, col('v', 'text', 'text', false, { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' })]));
    expect(k.findings.join('\n')).toMatch(/collation en_US.utf8 in source vs utf8mb4_general_ci/);
    expect(k.findings.join('\n')).toMatch(/nullable in source vs NOT NULL in target/);
  });
  test('opts.columns restricts the compared columns (keys always kept)', () => {
    const k = checkSchemas(pgT([id, col('a', 'text', 'text'), col('b', 'text', 'text')]), myT([myId, col('a', 'text', 'text')]), { columns: ['a'] });
    expect(k.halts).toEqual([]);
    expect(k.columns.map((c) => c.name)).toEqual(['id', 'a']);
  });
});

describe('key bounds', () => {
  const pgBig: KeyBoundColumn = { family: 'int', dialect: 'postgres', intRange: [-(2n ** 63n), 2n ** 63n - 1n], cast: (p) => `${p}::bigint`, toParam: (v) => v };
  const bind = (v: string, c: KeyBoundColumn) => c.cast(`<${v}>`, v);
  test('R3 a bound beyond the column type collapses to TRUE/FALSE instead of failing a cast', () => {
    expect(boundSql([pgBig], ['id'], ['18446744073709551615'], '>=', bind)).toBe('FALSE');
    expect(boundSql([pgBig], ['id'], ['18446744073709551615'], '<', bind)).toBe('TRUE');
    expect(boundSql([pgBig], ['id'], ['-9223372036854775809'], '>=', bind)).toBe('TRUE');
    expect(boundSql([pgBig, pgBig], ['a', 'b'], ['5', '18446744073709551615'], '>=', bind)).toBe('a > <5>::bigint');
    expect(boundSql([pgBig, pgBig], ['a', 'b'], ['5', '7'], '>', bind)).toBe('(a, b) > (<5>::bigint, <7>::bigint)');
  });
  test('R19 uppercase uuid bounds become the next canonical uuid', () => {
    expect(ceilCanonicalUuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(ceilCanonicalUuid('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0000000-0000-0000-0000-000000000000');
    expect(ceilCanonicalUuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1G')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1a');
    expect(ceilCanonicalUuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1~')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a20');
    expect(ceilCanonicalUuid('ffffffff-ffff-ffff-ffff-ffffffffffffx')).toBeUndefined();
    expect(ceilCanonicalUuid('g')).toBeUndefined();
  });
});
