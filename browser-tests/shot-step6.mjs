// Developer aid: the journey's last step for prepared answers.
// node browser-tests/shot-step6.mjs BASE out.png [width] [garder]
import { launch, openPage } from './lib.mjs';
const [base, out, width, garder] = process.argv.slice(2);
const browser = await launch();
const { page, problems } = await openPage(browser, { viewport: { width: Number(width || 1280), height: 900 } });
await page.goto(`${base}/demande`, { waitUntil: 'networkidle' });
await page.evaluate((garder) => {
  const form = document.querySelector('form[action="/demande"]');
  for (const el of [...form.elements]) if (el.name && el.name !== 'csrf') el.remove();
  const fields = [['etape', garder ? '6' : '5'], ['aller', '6'], ['action', 'apprentissage'], ['metiers', 'D1102'], ['q', 'boulanger'],
    ['commune', '15014'], ['commune_texte', 'Aurillac'], ['rayon_km', '30'], ['message', 'Un apprenti boulanger pour septembre.'],
    ['entreprise_nom', 'Maison Lafon'], ['prenom', 'Jeanne'], ['nom', 'Lafon'], ['email', 'jeanne@exemple.fr'], ['consentement', 'oui']];
  if (garder) fields.push(['garder_rayon', 'oui']);
  for (const [k, v] of fields) { const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; form.appendChild(i); }
  form.submit();
}, garder === 'oui');
await page.waitForLoadState('networkidle');
await page.screenshot({ path: out, fullPage: true });
console.log(problems.join('\n') || 'aucun problème');
await browser.close();
