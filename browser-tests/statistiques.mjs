// Browser test of the public statistics: node browser-tests/statistiques.mjs BASE_URL ACADEMIE_CODE
// Against a server holding a year of activity. Every statistics page (with
// and without filters, a wrong filter, the home page's headline): zero
// axe-core violations at two widths, no console error or failed request,
// readable without JavaScript with its charts and tables; each chart is an
// image with a name and has its data table next to it. Then the filters
// with the keyboard only. Exits non-zero with a report on any failure.
import { launch, openPage, axe } from './lib.mjs';

const [base, academie] = process.argv.slice(2);
if (!base || !academie) {
  console.error('usage : node browser-tests/statistiques.mjs http://127.0.0.1:PORT CODE_ACADEMIE');
  process.exit(2);
}
const failures = [];

const pages = [
  ['/statistiques', 200],
  [`/statistiques?academie=${academie}&action=pfmp`, 200],
  ['/statistiques?du=2026-01&au=2026-06&action=apprentissage', 200],
  ['/statistiques?academie=Corse', 200], // a small group: "< 5" everywhere
  ['/statistiques?du=2026-13', 400], // a wrong month: the field says so
  ['/', 200], // the home page's headline
];

// Each chart: an image with a name, its table in the same section.
async function chartsHaveTables(page, path) {
  const report = await page.evaluate(() => [...document.querySelectorAll('svg.mlp-chart')].map((svg) => {
    const ids = (svg.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean);
    const name = ids.map((id) => document.getElementById(id)?.textContent.trim() || '').join(' ').trim();
    const section = svg.closest('section');
    const table = section?.querySelector('table');
    return {
      role: svg.getAttribute('role'),
      name,
      caption: table?.querySelector('caption')?.textContent.trim() || null,
      rows: table ? table.querySelectorAll('tbody tr').length : 0,
    };
  }));
  for (const [i, c] of report.entries()) {
    if (c.role !== 'img') failures.push(`${path} : graphique ${i + 1} sans role="img"`);
    if (!c.name) failures.push(`${path} : graphique ${i + 1} sans titre accessible`);
    if (!c.caption || c.rows === 0) failures.push(`${path} : graphique ${i + 1} sans son tableau de données`);
  }
  return report.length;
}

const browser = await launch();
try {
  for (const [path, status] of pages) {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 800 }]) {
      const { context, page, problems } = await openPage(browser, { viewport });
      const res = await page.goto(base + path, { waitUntil: 'networkidle' });
      if (res.status() !== status) failures.push(`${path} : statut ${res.status()} au lieu de ${status}`);
      for (const p of problems.filter((p) => !(status >= 400 && p.startsWith(`HTTP ${status}`)) && !(status >= 400 && p.includes(`status of ${status}`)))) {
        failures.push(`${path} (${viewport.width}px) : ${p}`);
      }
      for (const v of await axe(page)) failures.push(`${path} (${viewport.width}px) : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
      if (path.startsWith('/statistiques') && status === 200) {
        const charts = await chartsHaveTables(page, `${path} (${viewport.width}px)`);
        if (charts !== 4) failures.push(`${path} : ${charts} graphiques au lieu de 4`);
        // The page fits the screen: only tables may scroll sideways.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 1) failures.push(`${path} (${viewport.width}px) : la page déborde de ${overflow} px`);
      }
      if (path === '/') {
        const headline = await page.locator('#titre-activite').count();
        if (headline !== 1) failures.push('accueil : pas de chiffres des 12 derniers mois');
      }
      await context.close();
    }
    // Without JavaScript: the charts are drawn by the server.
    const { context, page, problems } = await openPage(browser, { javaScript: false });
    await page.goto(base + path, { waitUntil: 'load' });
    const h1 = await page.locator('h1').first().textContent().catch(() => null);
    if (!h1 || !h1.trim()) failures.push(`${path} sans JavaScript : pas de titre h1`);
    if (path.startsWith('/statistiques') && status === 200) {
      if (!(await page.locator('svg.mlp-chart').first().isVisible())) failures.push(`${path} sans JavaScript : graphique invisible`);
      await chartsHaveTables(page, `${path} sans JavaScript`);
    }
    for (const p of problems.filter((p) => status < 400 || !(p.startsWith(`HTTP ${status}`) || p.includes(`status of ${status}`)))) failures.push(`${path} sans JavaScript : ${p}`);
    await context.close();
  }

  // Keyboard only: choose an académie and an action type, show them, reach
  // the download of this selection.
  const { context, page } = await openPage(browser);
  await page.goto(base + '/statistiques', { waitUntil: 'networkidle' });
  const tabTo = async (test, what) => {
    for (let i = 0; i < 200; i++) {
      await page.keyboard.press('Tab');
      const found = await page.evaluate(test);
      if (found) {
        const outline = await page.evaluate(() => { const s = getComputedStyle(document.activeElement); return `${s.outlineStyle} ${s.outlineWidth}`; });
        if (outline.startsWith('none')) failures.push(`clavier : le focus sur ${what} n'est pas visible`);
        return true;
      }
    }
    failures.push(`clavier : ${what} inatteignable avec Tab`);
    return false;
  };
  if (await tabTo(() => document.activeElement?.id === 'filtre-academie', 'la liste des académies')) {
    // Type-ahead on a closed list, as a keyboard user picks an option.
    await page.keyboard.type('Lyon', { delay: 50 });
    const chosen = await page.inputValue('#filtre-academie');
    if (chosen !== academie) failures.push(`clavier : académie choisie « ${chosen} » au lieu de ${academie}`);
  }
  if (await tabTo(() => document.activeElement?.id === 'filtre-action', 'la liste des types d\'action')) {
    await page.keyboard.press('ArrowDown');
    const chosen = await page.inputValue('#filtre-action');
    if (chosen !== 'pfmp') failures.push(`clavier : type d'action « ${chosen} » au lieu de pfmp`);
  }
  if (await tabTo(() => document.activeElement?.textContent?.trim() === 'Afficher les statistiques', 'le bouton Afficher')) {
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const url = new URL(page.url());
    if (url.searchParams.get('academie') !== academie || url.searchParams.get('action') !== 'pfmp') {
      failures.push(`clavier : formulaire envoyé vers ${page.url()}`);
    }
    const scope = await page.locator('main').textContent();
    if (!scope.includes('académie de Lyon')) failures.push('clavier : les chiffres affichés ne sont pas ceux de l\'académie de Lyon');
    await tabTo(() => (document.activeElement?.getAttribute('href') || '').startsWith('/statistiques/donnees.csv?'), 'le téléchargement de la sélection');
    const href = await page.evaluate(() => document.activeElement.getAttribute('href'));
    if (!href.includes(`academie=${academie}`) || !href.includes('action=pfmp')) failures.push(`téléchargement : ${href}`);
  }
  await context.close();
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(`${failures.length} problème(s) :\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(`${pages.length} pages de statistiques vérifiées (axe-core, deux largeurs, sans JavaScript, graphiques et tableaux) et filtres au clavier réussis`);
