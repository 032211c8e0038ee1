// Browser test of the form embedded by partner platforms:
//   node browser-tests/integration.mjs BASE_URL DECLARED_SITE OTHER_SITE
// DECLARED_SITE and OTHER_SITE are pages of other sites (served by the
// test) framing /integration/demande; only the first is declared by the
// partner. In the declared one, the form is walked with the keyboard to
// the confirmation, axe-clean at two widths, then again with JavaScript
// disabled; in the other, Chromium refuses to show it.
import { launch, openPage, axe, finish } from './lib.mjs';

const [base, declared, other] = process.argv.slice(2);
const failures = [];
const browser = await launch();

async function frameOf(page) {
  const handle = await page.waitForSelector('iframe');
  return handle.contentFrame();
}

async function checkAxe(page, frame, label) {
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    for (const v of await axe(frame)) failures.push(`${label} (${width} px) : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function stepTitle(frame) {
  return (await frame.locator('.fr-stepper__title').textContent()).trim();
}

// 1. In the declared site's frame, with the keyboard only.
{
  const { context, page, problems } = await openPage(browser);
  try {
    await page.goto(declared, { waitUntil: 'networkidle' });
    const frame = await frameOf(page);
    if (!frame.url().startsWith(`${base}/integration/demande`)) failures.push(`cadre : ${frame.url()}`);
    if ((await frame.locator('h1').count()) !== 1) failures.push('cadre : un seul titre h1 attendu');
    if ((await frame.locator('header, footer, .fr-skiplinks').count()) !== 0) failures.push('cadre : en-tête ou pied de page du site présent');
    await checkAxe(page, frame, 'étape 1 dans le cadre');

    const tabTo = async (label, predicate, arg) => {
      for (let i = 0; i < 150; i++) {
        await page.keyboard.press('Tab');
        if (await frame.evaluate(predicate, arg)) return;
      }
      failures.push(`clavier : ${label} inatteignable dans le cadre`);
      throw new Error(failures.join('\n'));
    };
    const byId = (id) => document.hasFocus() && document.activeElement?.id === id;
    const button = (text) => document.hasFocus() && document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.trim().startsWith(text);
    const submitWith = async (label, text) => {
      await tabTo(label, button, text);
      await Promise.all([frame.waitForNavigation(), page.keyboard.press('Enter')]);
    };
    const typeInto = async (label, id, text) => {
      await tabTo(label, byId, id);
      await page.keyboard.type(text);
      await page.keyboard.press('Escape');
    };

    await tabTo('premier type de demande', byId, 'action-pfmp');
    await page.keyboard.press('Space');
    await submitWith('Continuer (1)', 'Continuer');
    if (!(await stepTitle(frame)).startsWith('Les métiers')) failures.push(`étape 2 attendue : ${await stepTitle(frame)}`);
    await typeInto('champ métier', 'champ-q', 'électricien');
    await submitWith('Chercher ces métiers', 'Chercher ces métiers');
    if ((await frame.locator('input[name="metiers"]:checked').count()) === 0) failures.push('étape 2 : aucun métier coché');
    await submitWith('Continuer (2)', 'Continuer');
    await typeInto('champ commune', 'champ-commune', 'Lyon');
    await submitWith('Continuer (3)', 'Continuer');
    await typeInto('message', 'champ-message', 'Deux élèves en électricité au printemps.');
    await submitWith('Continuer (4)', 'Continuer');
    await typeInto('entreprise', 'champ-entreprise', 'Lumière Lyon');
    await typeInto('prénom', 'champ-prenom', 'Inès');
    await typeInto('nom', 'champ-nom', 'Roux');
    await typeInto('email', 'champ-email', `ines.roux+${Date.now()}@exemple.fr`);
    await tabTo('consentement', byId, 'champ-consentement');
    await page.keyboard.press('Space');
    await submitWith('Continuer (5)', 'Continuer');
    if (!(await stepTitle(frame)).startsWith('Vérification')) failures.push(`vérification attendue : ${await stepTitle(frame)}`);
    await checkAxe(page, frame, 'vérification dans le cadre');
    await submitWith('Envoyer la demande', 'Envoyer la demande');

    // The confirmation, still inside the frame, on the partner's page.
    if (page.url() !== `${declared}/`) failures.push(`la page du partenaire a changé : ${page.url()}`);
    if (!frame.url().includes('/integration/demande/envoyee/')) failures.push(`confirmation : ${frame.url()}`);
    const text = await frame.locator('main').textContent();
    for (const expected of ['Votre demande est envoyée', 'MLP-', 'courriel de confirmation']) {
      if (!text.includes(expected)) failures.push(`confirmation : « ${expected} » absent`);
    }
    const follow = frame.locator('#lien-suivi');
    if ((await follow.getAttribute('target')) !== '_blank' || !(await follow.textContent()).includes('(nouvel onglet)')) {
      failures.push('confirmation : le lien de suivi doit s\'ouvrir dans un nouvel onglet, et le dire');
    }
    await checkAxe(page, frame, 'confirmation dans le cadre');
    for (const p of problems) failures.push(`cadre déclaré : ${p}`);
  } catch (e) {
    failures.push(`cadre déclaré : exception ${e.message}`);
  } finally {
    await context.close();
  }
}

// 2. In the declared site's frame, JavaScript disabled: plain form posts.
{
  const { context, page } = await openPage(browser, { javaScript: false });
  try {
    await page.goto(declared, { waitUntil: 'load' });
    const frame = await frameOf(page);
    await frame.waitForLoadState('load');
    const next = async (name) => {
      await Promise.all([frame.waitForNavigation(), frame.getByRole('button', { name, exact: true }).click()]);
    };
    await frame.locator('#action-pfmp').check({ force: true });
    await next('Continuer');
    await frame.fill('#champ-q', 'électricien');
    await next('Chercher ces métiers');
    await next('Continuer');
    await frame.fill('#champ-commune', 'Lyon');
    await next('Continuer');
    await frame.fill('#champ-message', 'Un apprenti électricien pour septembre.');
    await next('Continuer');
    await frame.fill('#champ-entreprise', 'Lumière Lyon');
    await frame.fill('#champ-prenom', 'Paul');
    await frame.fill('#champ-nom', 'Roux');
    await frame.fill('#champ-email', `paul.roux+${Date.now()}@exemple.fr`);
    await frame.locator('#champ-consentement').check({ force: true });
    await next('Continuer');
    await next('Envoyer la demande');
    const text = await frame.locator('main').textContent();
    if (!text.includes('Votre demande est envoyée')) failures.push(`sans JavaScript : pas de confirmation (${frame.url()})`);
  } catch (e) {
    failures.push(`sans JavaScript : exception ${e.message}`);
  } finally {
    await context.close();
  }
}

// 3. In an undeclared site's frame: the browser does not show our page.
{
  const { context, page } = await openPage(browser);
  const refusals = [];
  page.on('console', (m) => { if (m.text().includes('frame-ancestors')) refusals.push(m.text()); });
  try {
    await page.goto(other, { waitUntil: 'networkidle' });
    const frame = await frameOf(page);
    let shown = false;
    try {
      shown = (await frame.locator('.fr-stepper').count()) > 0;
    } catch {
      shown = false;
    }
    if (shown || frame.url().startsWith(base)) failures.push(`site non déclaré : le formulaire s'affiche dans son cadre (${frame.url()})`);
    if (refusals.length === 0) failures.push('site non déclaré : Chromium ne signale pas le refus par frame-ancestors');
  } catch (e) {
    failures.push(`site non déclaré : exception ${e.message}`);
  } finally {
    await context.close();
  }
}

await browser.close();
finish(failures, 'formulaire intégré vérifié : cadre du partenaire au clavier et sans JavaScript, sans violation axe, refusé ailleurs');
