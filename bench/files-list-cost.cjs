// The cost of one files().list() over a generated folder of 1,000 nested Markdown files, as every
// page of a docs site with a sidebar calls it (issue 21): node bench/files-list-cost.cjs <isr folder>
// [site folder]. The site folder is made first if missing (10 sections x 7 subfolders).
const fs = require('node:fs');
const path = require('node:path');
const site = process.argv[3] ?? '/tmp/isr-list-cost';
if (!fs.existsSync(site)) {
  for (let i = 0; i < 1000; i++) {
    const d = path.join(site, 'content', `s${i % 10}`, `t${i % 7}`);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, `p${i}.md`), `---\ntitle: Page ${i}\nweight: ${i % 5}\n---\nBody ${i}\n`);
  }
}
const { files } = require(path.resolve(process.argv[2], 'dist/isr.cjs'));
const s = files({ dir: 'content' });
s.setup({ root: site, cacheDir: site, now: new Date(), log() {}, site: {} });
const ctx = { track() {}, now: new Date() };
(async () => {
  await s.list(ctx);
  const t = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) await s.list(ctx);
  console.log(process.argv[2], 'per list() of 1000 entries:', Number(process.hrtime.bigint() - t) / 2000 / 1e3, 'µs');
})();
