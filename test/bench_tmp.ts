import { openEngine } from '/work/main/src/engines/open';
import { checkSchemas, makeRowEncoder } from '/work/main/src/canonical';
async function main() {
  for (const url of ['postgresql://postgres@127.0.0.1:5432/test', 'mysql://root@127.0.0.1:3306/test']) {
    const e = await openEngine(url, { applicationName: 'bench' });
    const s = await e.introspect('parity_bench_1m');
    const chk = checkSchemas(s, s);
    const enc = makeRowEncoder(chk.columns, 'source');
    for (const doEnc of [false, true]) {
      const t0 = Date.now(); let n = 0;
      for await (const b of e.scan({ schema: s, columns: ['id', 'n', 'v'], range: {}, fetchSize: 5000 })) { n += b.length; if (doEnc) for (const r of b) enc(r); }
      console.log(e.dialect, doEnc ? 'scan+encode' : 'scan', n, Date.now() - t0, 'ms');
    }
    await e.close();
  }
}
main();
