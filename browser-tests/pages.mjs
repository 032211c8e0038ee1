// Browser tests of the public pages: node browser-tests/pages.mjs BASE_URL
// Every page: zero axe-core violations (desktop and mobile widths), no
// console error, CSP violation or failed request, and readable without
// JavaScript. Then a walk from the home page to a showcase with the
// keyboard only. Exits non-zero with a report on any failure.
import { launch, openPage, axe } from './lib.mjs';

const base = process.argv[2];
// More pages to check, given by the caller (e.g. private links it made).
const extra = process.argv.slice(3);
if (!base) {
  console.error('usage : node browser-tests/pages.mjs http://127.0.0.1:PORT [chemin…]');
  process.exit(2);
}
const failures = [];

async function json(path) {
  const r = await fetch(base + path);
  return r.json();
}

// An LPO in Paris, found through the API (Île-de-France: exact position and contact).
const paris = await json('/api/v1/lycees?departement=75&par_page=100');
const lpoParis = paris.resultats.find((l) => l.type === 'LPO');

const pages = [
  ['/', 200],
  ['/lycees', 200],
  ['/lycees?academie=10', 200],
  ['/lycees?departement=69', 200],
  ['/lycees?commune=69123', 200],
  ['/lycees?q=lyon', 200],
  ['/lycees/0690043X', 200], // an LP in Lyon
  [lpoParis.url, 200], // an LPO in Paris
  ['/lycees/9740004L', 200], // a lycée in La Réunion
  ['/accessibilite', 200],
  ['/mentions-legales', 200],
  ['/donnees-personnelles', 200],
  ['/plan-du-site', 200],
  ['/lycees/0000000A', 404],
  ['/recherche', 200],
  ['/recherche?q=electricien&commune=Lyon&rayon_km=30', 200],
  ['/recherche?q=chaudronnier&commune=15162&rayon_km=5', 200], // no result (Riom-ès-Montagnes): wider radius offered
  ['/recherche?q=electricien&commune=Atlantide', 200], // unknown commune: message next to the field
  ['/recherche?q=BTP&commune=Lyon&rayon_km=30', 200], // a field: its jobs behind a <details>
  ['/recherche?q=bac%20pro%20ASSP&commune=Marseille', 200], // a diploma recognised
  ['/demande', 200],
  ['/demande?lycee=0690043X&q=electricien&commune=69123', 200],
  ['/statistiques', 200], // few requests yet: "< 5" in every group
  ['/statistiques?academie=10&action=pfmp', 200],
  // "chemin|410" expects another status.
  ...extra.map((p) => { const [path, status] = p.split('|'); return [path, status ? Number(status) : 200]; }),
];

const browser = await launch();
try {
  for (const [path, status] of pages) {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 800 }]) {
      const { context, page, problems } = await openPage(browser, { viewport });
      const res = await page.goto(base + path, { waitUntil: 'networkidle' });
      if (res.status() !== status) failures.push(`${path} : statut ${res.status()} au lieu de ${status}`);
      const expected = problems.filter((p) => !(status >= 400 && ((p.startsWith(`HTTP ${status}`) && p.endsWith(path)) || p.includes(`status of ${status}`))));
      for (const p of expected) failures.push(`${path} (${viewport.width}px) : ${p}`);
      const violations = await axe(page);
      for (const v of violations) failures.push(`${path} (${viewport.width}px) : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
      await context.close();
    }
    // Without JavaScript the content is there.
    const { context, page, problems } = await openPage(browser, { javaScript: false });
    await page.goto(base + path, { waitUntil: 'load' });
    const h1 = await page.locator('h1').first().textContent().catch(() => null);
    if (!h1 || !h1.trim()) failures.push(`${path} sans JavaScript : pas de titre h1`);
    const mainVisible = await page.locator('main').isVisible();
    if (!mainVisible) failures.push(`${path} sans JavaScript : contenu principal invisible`);
    for (const p of problems.filter((p) => status < 400 || !(p.startsWith(`HTTP ${status}`) || p.includes(`status of ${status}`)))) failures.push(`${path} sans JavaScript : ${p}`);
    await context.close();
  }

  // Without JavaScript, at 375 px, the header's "Menu" opens the menu.
  {
    const { context, page } = await openPage(browser, { javaScript: false, viewport: { width: 375, height: 800 } });
    await page.goto(base + '/', { waitUntil: 'load' });
    const nav = page.locator('#navigation-principale');
    if (await nav.isVisible()) failures.push('menu sans JavaScript : visible avant d\'être ouvert');
    const menu = page.locator('.fr-header__navbar a', { hasText: 'Menu' });
    if (!(await menu.isVisible())) failures.push('menu sans JavaScript : pas de lien « Menu » à 375 px');
    else {
      await menu.click();
      if (!(await page.locator('#navigation-principale a[href="/recherche"]').isVisible())) failures.push('menu sans JavaScript : « Menu » n\'ouvre pas le menu');
    }
    await context.close();
  }
  // With JavaScript, the button (and not the fallback link) is shown.
  {
    const { context, page } = await openPage(browser, { viewport: { width: 375, height: 800 } });
    await page.goto(base + '/', { waitUntil: 'networkidle' });
    if (await page.locator('.mlp-menu-sans-js').isVisible()) failures.push('menu : le lien sans JavaScript reste visible avec JavaScript');
    if (!(await page.locator('#bouton-menu').isVisible())) failures.push('menu : pas de bouton « Menu » avec JavaScript');
    await context.close();
  }

  // Keyboard only: home → "Trouver un lycée" → académie de Lyon → Rhône → a lycée.
  const { context, page } = await openPage(browser);
  await page.goto(base + '/', { waitUntil: 'networkidle' });
  const steps = [
    { href: '/lycees', text: 'Parcourir par territoire' },
    { href: '/lycees?academie=10', text: 'Lyon' },
    { href: '/lycees?departement=69', text: 'Rhône (69)' },
    { href: '/lycees/0690043X', text: null },
  ];
  for (const step of steps) {
    let reached = false;
    for (let i = 0; i < 400 && !reached; i++) {
      await page.keyboard.press('Tab');
      const active = await page.evaluate(() => {
        const a = document.activeElement;
        const style = a ? getComputedStyle(a) : null;
        return a ? { href: a.getAttribute('href'), text: a.textContent.trim(), outline: style.outlineStyle + ' ' + style.outlineWidth } : null;
      });
      if (active && active.href === step.href && (step.text === null || active.text === step.text)) {
        if (active.outline.startsWith('none')) failures.push(`clavier : le focus sur ${step.href} n'est pas visible`);
        reached = true;
      }
    }
    if (!reached) {
      failures.push(`clavier : lien ${step.href} inatteignable avec Tab depuis ${page.url()}`);
      break;
    }
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }
  const title = await page.locator('h1').textContent();
  if (!page.url().endsWith('/lycees/0690043X') || !title.includes('Jacques de Flesselles')) {
    failures.push(`clavier : arrivée sur ${page.url()} (« ${title} ») au lieu de la vitrine de 0690043X`);
  }
  // The skip link is the first stop and leads to the content.
  await page.goto(base + '/', { waitUntil: 'networkidle' });
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement.getAttribute('href'));
  if (first !== '#contenu') failures.push(`clavier : le premier arrêt est ${first} au lieu du lien d'évitement #contenu`);

  // Keyboard only: the jobs of a field open from their summary.
  {
    const { context, page } = await openPage(browser);
    await page.goto(base + '/recherche?q=BTP&commune=Lyon&rayon_km=30', { waitUntil: 'networkidle' });
    let reached = false;
    for (let i = 0; i < 200 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement && document.activeElement.tagName === 'SUMMARY');
    }
    if (!reached) failures.push('clavier : le résumé « Tous les métiers du bâtiment… » est inatteignable avec Tab');
    else {
      await page.keyboard.press('Enter');
      const open = await page.evaluate(() => document.querySelector('details.mlp-field').open);
      const visible = await page.locator('details.mlp-field li a').first().isVisible();
      if (!open || !visible) failures.push('clavier : Entrée sur le résumé n\'ouvre pas la liste des métiers du domaine');
    }
    await context.close();
  }

  // Keyboard only, with suggestions: words and place picked in the lists,
  // Enter submits, then Tab to the first result.
  await page.goto(base + '/recherche', { waitUntil: 'networkidle' });
  const focusField = async (id) => {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((id) => document.activeElement?.id === id, id)) return true;
    }
    return false;
  };
  if (!(await focusField('champ-metier'))) failures.push('clavier : champ métier inatteignable');
  await page.keyboard.type('plomb', { delay: 30 });
  await page.waitForSelector('#champ-metier-suggestions li', { state: 'visible' });
  const comboViolations = await axe(page);
  for (const v of comboViolations) failures.push(`suggestions ouvertes : axe ${v.id} ${v.help} → ${v.nodes.join(' | ')}`);
  const expanded = await page.getAttribute('#champ-metier', 'aria-expanded');
  if (expanded !== 'true') failures.push(`suggestions : aria-expanded=${expanded}`);
  await page.keyboard.press('ArrowDown');
  const activeOption = await page.getAttribute('#champ-metier', 'aria-activedescendant');
  if (!activeOption) failures.push('suggestions : aucune option active après flèche bas');
  await page.keyboard.press('Enter');
  const chosenJob = await page.inputValue('#champ-metier');
  if (!/plomb/i.test(chosenJob)) failures.push(`suggestions : métier choisi « ${chosenJob} »`);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Lyon', { delay: 30 });
  await page.waitForSelector('#champ-commune-suggestions li', { state: 'visible' });
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const code = await page.inputValue('input[name="commune_code"]');
  if (code !== '69123') failures.push(`suggestions : commune choisie ${code} au lieu de 69123`);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  if (!page.url().includes('commune_code=69123')) failures.push(`recherche : ${page.url()}`);
  let onResult = false;
  for (let i = 0; i < 120 && !onResult; i++) {
    await page.keyboard.press('Tab');
    onResult = await page.evaluate(() => document.activeElement?.closest('.mlp-results') !== null && document.activeElement.getAttribute('href')?.startsWith('/lycees/'));
  }
  if (!onResult) failures.push('clavier : premier résultat inatteignable');
  else {
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    if (!/\/lycees\/[0-9]{7}[A-Z](\?.*)?$/.test(page.url())) failures.push(`clavier : résultat ouvert ${page.url()}`);
  }
  await context.close();

  // A card's title is drawn above the rest of its content (DSFR's flex
  // order put untitled paragraphs first).
  {
    const { context, page } = await openPage(browser);
    await page.goto(base + '/entreprises', { waitUntil: 'networkidle' });
    const misplaced = await page.evaluate(() =>
      [...document.querySelectorAll('.fr-card__content')].filter((c) => {
        const title = c.querySelector('.fr-card__title');
        if (!title) return false;
        const top = title.getBoundingClientRect().top;
        return [...c.children].some((e) => e !== title && e.getBoundingClientRect().height > 0 && e.getBoundingClientRect().top < top);
      }).length,
    );
    if (misplaced > 0) failures.push(`/entreprises : ${misplaced} carte(s) dont le titre est sous son contenu`);
    await context.close();
  }

  // The job's suggestions never get in the way of the commune field
  // (issue 27): with the list open, a click on the commune field puts the
  // focus there and leaves the typed words; Tab goes to the commune field
  // too (it went to <body>), and the list closes either way.
  for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 800 }]) {
    for (const [path, job, commune] of [
      ['/', '#accueil-metier', '#accueil-commune'],
      ['/recherche', '#champ-metier', '#champ-commune'],
      ['/stages', '#champ-metier', '#champ-commune'],
    ]) {
      for (const how of ['clic', 'Tab']) {
        const { context, page } = await openPage(browser, { viewport });
        await page.goto(base + path, { waitUntil: 'networkidle' });
        const where = `${path} (${viewport.width}px, ${how})`;
        if (!(await page.$(job))) {
          failures.push(`${where} : champ ${job} absent`);
          await context.close();
          continue;
        }
        await page.focus(job);
        await page.keyboard.type('boulanger', { delay: 20 });
        await page.waitForSelector(`${job}-suggestions li`, { state: 'visible' });
        if (how === 'clic') await page.click(commune);
        else await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const e = document.activeElement;
          return e?.id ? `#${e.id}` : `<${e?.tagName.toLowerCase()}>`;
        });
        if (focused !== commune) failures.push(`${where} : le focus est sur ${focused} au lieu de ${commune}`);
        const words = await page.inputValue(job);
        if (words !== 'boulanger') failures.push(`${where} : le métier est devenu « ${words} »`);
        const listOpen = await page.isVisible(`${job}-suggestions`);
        if (listOpen) failures.push(`${where} : la liste reste ouverte`);
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(`${failures.length} problème(s) :\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(`${pages.length} pages vérifiées (axe-core, deux largeurs, sans JavaScript) et parcours au clavier réussi`);
