// Browser test of the events: node browser-tests/evenements.mjs BASE_URL EVENT_ID SESSION UAI
// /evenements (with a place), an event's page and the workspace's events
// page: zero axe violations at 1280 and 375 px, readable without
// JavaScript; then the registration form filled and sent with the
// keyboard only (with JavaScript, then without it). Exits non-zero with a
// report on any failure.
import { launch, openPage, axe, finish } from './lib.mjs';

const [base, eventId, session, uai] = process.argv.slice(2);
if (!base || !eventId || !session || !uai) {
  console.error('usage : node browser-tests/evenements.mjs http://127.0.0.1:PORT EVENT_ID SESSION UAI');
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
  [null, '/evenements'],
  [null, '/evenements?commune=Aurillac'],
  [null, `/evenements/${eventId}`],
  [null, `/lycees/${uai}`],
  [session, `/espace/lycees/${uai}/evenements`],
  [session, `/espace/lycees/${uai}/evenements/${eventId}`],
];

// Tab until the element matching `test` has the focus (a visible one).
async function tabTo(page, test, what) {
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    const active = await page.evaluate(() => {
      const a = document.activeElement;
      return a ? { id: a.id, name: a.getAttribute('name'), tag: a.tagName, text: a.textContent.trim(), outline: getComputedStyle(a).outlineStyle } : null;
    });
    if (active && test(active)) {
      if (active.outline === 'none') failures.push(`clavier : le focus sur ${what} n'est pas visible`);
      return true;
    }
  }
  failures.push(`clavier : ${what} jamais atteint avec Tab`);
  return false;
}

// Fills the registration form with the keyboard only and sends it.
async function registerWithKeyboard(page, company, email) {
  const fields = [
    ['inscription-entreprise', company],
    ['inscription-prenom', 'Camille'],
    ['inscription-nom', 'Durand'],
    ['inscription-email', email],
  ];
  for (const [id, text] of fields) {
    if (await tabTo(page, (a) => a.id === id, `le champ ${id}`)) await page.keyboard.type(text);
  }
  if (await tabTo(page, (a) => a.tag === 'BUTTON' && a.text === "S'inscrire", 'le bouton « S\'inscrire »')) {
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }
}

const browser = await launch();
try {
  for (const [token, path] of pages) {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 800 }]) {
      const { context, page, problems } = await opened(browser, token, { viewport });
      const res = await page.goto(base + path, { waitUntil: 'networkidle' });
      if (res.status() !== 200) failures.push(`${path} : statut ${res.status()}`);
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

  // With the keyboard only, then without JavaScript: both register.
  for (const [javaScript, company, email] of [
    [true, 'Clavier SARL', 'clavier@exemple.fr'],
    [false, 'Sans Script SAS', 'sans-script@exemple.fr'],
  ]) {
    const { context, page, problems } = await opened(browser, null, { javaScript });
    await page.goto(`${base}/evenements/${eventId}`, { waitUntil: 'load' });
    await registerWithKeyboard(page, company, email);
    const text = await page.locator('main, body').first().textContent();
    if (!page.url().includes('inscription=envoyee') || !text.includes('confirmez-la')) {
      failures.push(`inscription (JavaScript ${javaScript ? 'actif' : 'coupé'}) : pas de confirmation (${page.url()})`);
    }
    if (javaScript) {
      for (const v of await axe(page)) failures.push(`après l'inscription : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
    }
    for (const p of problems) failures.push(`inscription : ${p}`);
    await context.close();
  }

  // A failed submit: the errors are next to the fields and summarised.
  {
    const { context, page } = await opened(browser, null);
    await page.goto(`${base}/evenements/${eventId}`, { waitUntil: 'load' });
    if (await tabTo(page, (a) => a.tag === 'BUTTON' && a.text === "S'inscrire", 'le bouton « S\'inscrire »')) {
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    }
    if (!(await page.locator('#erreur-inscription-entreprise').count())) failures.push('formulaire vide : pas d\'erreur à côté du champ entreprise');
    if (!(await page.locator('#resume-erreurs').count())) failures.push('formulaire vide : pas de résumé des erreurs');
    for (const v of await axe(page)) failures.push(`formulaire en erreur : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
    await context.close();
  }
} finally {
  await browser.close();
}
finish(failures, 'événements vérifiés');
