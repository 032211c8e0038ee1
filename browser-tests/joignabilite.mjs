// Who really received a request, as the company reads it (issue 23):
// node browser-tests/joignabilite.mjs BASE_URL SHOWCASE FOLLOW_COORDINATION FOLLOW_LYCEES
// - SHOWCASE: an unreachable lycée's page, which says before the company
//   writes that its request goes through the académie's coordination;
// - FOLLOW_COORDINATION: the page right after sending a request no lycée
//   could receive (Aurillac): it names the coordination, never « les
//   lycées »;
// - FOLLOW_LYCEES: the same for a request written to lycées (Paris).
// Each page at two widths, axe-clean, and read without JavaScript.
import { launch, openPage, axe, check, finish } from './lib.mjs';

const [base, showcase, toCoordination, toLycees] = process.argv.slice(2);
if (!toLycees) {
  console.error('usage : node browser-tests/joignabilite.mjs BASE VITRINE SUIVI_COORDINATION SUIVI_LYCEES');
  process.exit(2);
}
const failures = [];
const coordination = "la coordination école-entreprise de l'académie de Clermont-Ferrand";
const pages = [
  [showcase, [`votre demande passera par ${coordination}, qui le contactera`], ['elle lui sera transmise']],
  [toCoordination, ['Votre demande est envoyée', `Confiée à ${coordination}`, "Aucun lycée n'a reçu votre demande directement"],
    ['Transmise aux lycées', 'sous 3 jours ouvrés', 'À qui votre demande a été transmise']],
  [toLycees, ['Votre demande est envoyée', 'Transmise ', 'À qui votre demande a été transmise', 'en principe sous 3 jours ouvrés'],
    ['Confiée à', 'Transmise aux lycées']],
];

const browser = await launch();
try {
  for (const [path, said, unsaid] of pages) {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 800 }]) {
      const { context, page, problems } = await openPage(browser, { viewport });
      const res = await page.goto(base + path, { waitUntil: 'networkidle' });
      check(res.status() === 200, `${path} : statut ${res.status()}`, failures);
      for (const p of problems) failures.push(`${path} (${viewport.width}px) : ${p}`);
      for (const v of await axe(page)) failures.push(`${path} (${viewport.width}px) : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
      await context.close();
    }
    const { context, page } = await openPage(browser, { javaScript: false });
    await page.goto(base + path, { waitUntil: 'load' });
    const text = (await page.locator('main').textContent()).replace(/\s+/g, ' ');
    for (const s of said) check(text.includes(s), `${path} : « ${s} » attendu`, failures);
    for (const s of unsaid) check(!text.includes(s), `${path} : « ${s} » ne doit pas y être`, failures);
    await context.close();
  }
} finally {
  await browser.close();
}
finish(failures, 'joignabilité : pages vérifiées');
