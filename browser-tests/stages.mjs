// Browser test of placements: node browser-tests/stages.mjs BASE_URL UAI NEED_ID PARTNER_ID UNSUBSCRIBE_PATH
// (RBE_SESSION and COORD_SESSION in the environment). `/stages` (empty, a
// search, a bad place), the showcase with its need, the unsubscribe page,
// and the workspace's needs, need and partner pages and the pôle de stages:
// zero axe violations at 1280 and 375 px, readable without JavaScript.
// Then with the keyboard only: a company searches `/stages` and opens
// "Proposer d'accueillir" (the journey, pre-filled); an officer declares a
// need (and a failed submit puts the focus on the error summary). Exits
// non-zero with a report on any failure.
import { launch, openPage, axe, finish } from './lib.mjs';

const [base, uai, needId, partnerId, unsubscribe] = process.argv.slice(2);
const rbe = process.env.RBE_SESSION;
const coord = process.env.COORD_SESSION;
if (!base || !uai || !needId || !partnerId || !unsubscribe || !rbe || !coord) {
  console.error('usage : RBE_SESSION=… COORD_SESSION=… node browser-tests/stages.mjs BASE UAI BESOIN PARTENAIRE DESINSCRIPTION');
  process.exit(2);
}
const failures = [];

async function opened(browser, token, options = {}) {
  const o = await openPage(browser, options);
  if (token) {
    const url = new URL(base);
    await o.context.addCookies([{ name: 'mlp_session', value: token, domain: url.hostname, path: '/', httpOnly: true }]);
  }
  return o;
}

const pages = [
  [null, '/stages', 200],
  [null, '/stages?q=electricien&commune=Lyon&rayon_km=50', 200],
  [null, '/stages?q=electricien&commune=Atlantide', 200],
  [null, `/lycees/${uai}`, 200],
  [null, unsubscribe, 200],
  [rbe, `/espace/lycees/${uai}/stages`, 200],
  [rbe, `/espace/lycees/${uai}/stages/${needId}`, 200],
  [rbe, `/espace/partenaires/${partnerId}`, 200],
  [coord, '/espace/territoire/stages', 200],
];

// Tab until the element matching `test` has the focus (a visible one).
async function tabTo(page, test, what) {
  for (let i = 0; i < 250; i++) {
    await page.keyboard.press('Tab');
    const active = await page.evaluate(() => {
      const a = document.activeElement;
      return a ? { id: a.id, name: a.getAttribute('name'), href: a.getAttribute('href'), tag: a.tagName, text: a.textContent.trim(), outline: getComputedStyle(a).outlineStyle } : null;
    });
    if (active && test(active)) {
      if (active.outline === 'none') failures.push(`clavier : le focus sur ${what} n'est pas visible`);
      return true;
    }
  }
  failures.push(`clavier : ${what} jamais atteint avec Tab`);
  return false;
}

const browser = await launch();
try {
  for (const [token, path, status] of pages) {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 800 }]) {
      const { context, page, problems } = await opened(browser, token, { viewport });
      const res = await page.goto(base + path, { waitUntil: 'networkidle' });
      if (res.status() !== status) failures.push(`${path} : statut ${res.status()} au lieu de ${status}`);
      for (const p of problems) failures.push(`${path} (${viewport.width}px) : ${p}`);
      for (const v of await axe(page)) failures.push(`${path} (${viewport.width}px) : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
      await context.close();
    }
    const { context, page } = await opened(browser, token, { javaScript: false });
    await page.goto(base + path, { waitUntil: 'load' });
    const h1 = await page.locator('h1').first().textContent().catch(() => null);
    if (!h1 || !h1.trim()) failures.push(`${path} sans JavaScript : pas de titre h1`);
    await context.close();
  }

  // A company, keyboard only (with and without JavaScript): search, then
  // "Proposer d'accueillir" opens the journey for a PFMP with that lycée.
  for (const javaScript of [true, false]) {
    const { context, page } = await opened(browser, null, { javaScript });
    await page.goto(base + '/stages', { waitUntil: javaScript ? 'networkidle' : 'load' });
    if (await tabTo(page, (a) => a.id === 'champ-metier', 'le champ des métiers')) await page.keyboard.type('électricien');
    if (await tabTo(page, (a) => a.id === 'champ-commune', 'le champ de la commune')) {
      await page.keyboard.type('Lyon');
      if (javaScript) await page.keyboard.press('Escape'); // closes the suggestions, if any
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    }
    if (!(await page.content()).includes(uai)) failures.push(`/stages (JS ${javaScript}) : le lycée ${uai} n'est pas dans les résultats`);
    if (await tabTo(page, (a) => a.tag === 'A' && (a.href || '').includes(`lycee=${uai}`) && a.text.startsWith("Proposer d'accueillir"), "« Proposer d'accueillir »")) {
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
      const html = await page.content();
      if (!page.url().includes('/demande')) failures.push(`« Proposer d'accueillir » mène à ${page.url()}`);
      if (!html.includes('name="action" value="pfmp"')) failures.push('le parcours ne garde pas la PFMP');
      if (!html.includes(`name="lycee" value="${uai}"`)) failures.push('le parcours ne garde pas le lycée');
    }
    await context.close();
  }

  // An officer, keyboard only: a failed submit, then a need declared.
  const { context, page } = await opened(browser, rbe);
  await page.goto(base + `/espace/lycees/${uai}/stages`, { waitUntil: 'networkidle' });
  if (await tabTo(page, (a) => a.id === 'besoin-places', 'le nombre d\'élèves')) {
    await page.keyboard.type('beaucoup');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    await page.waitForTimeout(200);
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    if (focused !== 'resume-erreurs') failures.push(`après une erreur, le focus est sur « ${focused} » et non sur le résumé des erreurs`);
    for (const v of await axe(page)) failures.push(`besoin en erreur : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
  }
  await page.goto(base + `/espace/lycees/${uai}/stages`, { waitUntil: 'networkidle' });
  if (await tabTo(page, (a) => a.id === 'besoin-periode', 'la période')) await page.keyboard.press('ArrowDown');
  if (await tabTo(page, (a) => a.id === 'besoin-places', 'le nombre d\'élèves')) {
    await page.keyboard.type('2');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    if (!(await page.content()).includes('Besoin déclaré')) failures.push('le besoin déclaré au clavier n\'est pas confirmé');
  }
  await context.close();
} finally {
  await browser.close();
}
finish(failures, 'stages vérifiés');
