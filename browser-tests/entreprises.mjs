// Browser tests of the guide for companies: node browser-tests/entreprises.mjs BASE_URL
// The four pages of the guide and a showcase with its "Soutenir ce lycée"
// block: zero axe-core violations at 1280 and 375 px, no console error or
// failed request, readable without JavaScript. Then, keyboard only: home
// → the guide → "Faire cette demande" for apprentices → the journey; and
// the showcase's UAI copied with its button.
import { launch, openPage, axe, finish } from './lib.mjs';

const base = process.argv[2];
if (!base) {
  console.error('usage : node browser-tests/entreprises.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const failures = [];
const pages = ['/entreprises', '/entreprises/pfmp', '/entreprises/apprentissage', '/entreprises/taxe-apprentissage', '/lycees/0690043X'];

// Tabs until the focused element has `href` (and `text`, when given); presses Enter.
async function tabTo(page, href, text = null) {
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press('Tab');
    const active = await page.evaluate(() => {
      const a = document.activeElement;
      const style = a ? getComputedStyle(a) : null;
      return a ? { href: a.getAttribute('href'), text: a.textContent.trim(), outline: style.outlineStyle } : null;
    });
    if (active && active.href === href && (text === null || active.text.startsWith(text))) {
      if (active.outline === 'none') failures.push(`clavier : le focus sur ${href} n'est pas visible`);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      return true;
    }
  }
  failures.push(`clavier : lien ${href} inatteignable avec Tab depuis ${page.url()}`);
  return false;
}

const browser = await launch();
try {
  for (const path of pages) {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 800 }]) {
      const { context, page, problems } = await openPage(browser, { viewport });
      const res = await page.goto(base + path, { waitUntil: 'networkidle' });
      if (res.status() !== 200) failures.push(`${path} : statut ${res.status()}`);
      for (const p of problems) failures.push(`${path} (${viewport.width}px) : ${p}`);
      for (const v of await axe(page)) failures.push(`${path} (${viewport.width}px) : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
      await context.close();
    }
    // Without JavaScript: the content, the request buttons and the UAI are there.
    const { context, page, problems } = await openPage(browser, { javaScript: false });
    await page.goto(base + path, { waitUntil: 'load' });
    const h1 = await page.locator('h1').first().textContent().catch(() => null);
    if (!h1 || !h1.trim()) failures.push(`${path} sans JavaScript : pas de titre h1`);
    if (path === '/entreprises') {
      const buttons = await page.locator('a.fr-btn[href^="/demande?action="]').count();
      if (buttons !== 12) failures.push(`${path} sans JavaScript : ${buttons} boutons « Faire cette demande » au lieu de 12`);
      if (!(await page.locator('a[href="/demande?action=pfmp"]').isVisible())) failures.push(`${path} sans JavaScript : bouton PFMP invisible`);
    }
    if (path.startsWith('/lycees/')) {
      if (!(await page.locator('#uai-soutien').isVisible())) failures.push(`${path} sans JavaScript : UAI invisible`);
      if (await page.locator('[data-mlp-copy="uai-soutien"]').isVisible()) failures.push(`${path} sans JavaScript : bouton de copie visible alors qu'il ne peut rien faire`);
    }
    for (const p of problems) failures.push(`${path} sans JavaScript : ${p}`);
    await context.close();
  }

  // Keyboard only: home → the guide → apprentices' request → the journey.
  {
    const { context, page } = await openPage(browser);
    await page.goto(base + '/', { waitUntil: 'networkidle' });
    if (await tabTo(page, '/entreprises', 'Comprendre les façons')) {
      const title = await page.locator('h1').textContent();
      if (!title.includes('travailler avec un lycée professionnel')) failures.push(`clavier : arrivée sur « ${title} » au lieu du guide`);
      if (await tabTo(page, '/demande?action=apprentissage', 'Faire cette demande')) {
        const step = await page.locator('.fr-stepper__state').textContent();
        const carried = await page.locator('input[type="hidden"][name="action"]').getAttribute('value');
        if (!step.includes('Étape 2 sur 6') || carried !== 'apprentissage') failures.push(`clavier : parcours ouvert à « ${step} » avec l'action ${carried}`);
      }
    }
    await context.close();
  }

  // The showcase's UAI is copied by its button (clipboard allowed).
  {
    const { context, page } = await openPage(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.goto(base + '/lycees/0690043X', { waitUntil: 'networkidle' });
    const button = page.locator('[data-mlp-copy="uai-soutien"]');
    if (!(await button.isVisible())) failures.push('copie : bouton « Copier le code UAI » invisible avec JavaScript');
    else {
      await button.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.getElementById('uai-soutien-statut').textContent !== '');
      const said = await page.locator('#uai-soutien-statut').textContent();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      if (copied !== '0690043X' || said !== 'Code UAI copié.') failures.push(`copie : « ${copied} » copié, « ${said} » annoncé`);
    }
    await context.close();
  }
} finally {
  await browser.close();
}

finish(failures, `${pages.length} pages du guide vérifiées (axe-core, deux largeurs, sans JavaScript), parcours au clavier et copie de l'UAI réussis`);
