// Browser test of the company journey: node browser-tests/demande.mjs BASE_URL
// From a lycée's showcase to the confirmation, with the keyboard only,
// axe-clean at every step (and on a validation error), then the follow-up
// page. Prints the follow-up URL on success.
import { launch, openPage, axe } from './lib.mjs';

const base = process.argv[2];
const failures = [];
const browser = await launch();
const { context, page, problems } = await openPage(browser);

async function checkAxe(label) {
  for (const v of await axe(page)) failures.push(`${label} : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
}

// Tab until the element matching `predicate` has the focus.
async function tabTo(label, predicate, arg) {
  for (let i = 0; i < 150; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate, arg)) return true;
  }
  failures.push(`clavier : ${label} inatteignable`);
  throw new Error(failures.join('\n'));
}
const byId = (id) => document.activeElement?.id === id;
const button = (text) => document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.trim().startsWith(text);
const link = (text) => document.activeElement?.tagName === 'A' && document.activeElement.textContent.trim() === text;

async function submitWith(label, text) {
  await tabTo(label, button, text);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

async function stepTitle() {
  return (await page.locator('.fr-stepper__title').textContent()).trim();
}

try {
  await page.goto(`${base}/lycees/0690043X`, { waitUntil: 'networkidle' });
  await tabTo('bouton « Contacter ce lycée »', link, 'Contacter ce lycée');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  if (!page.url().includes('/demande?lycee=0690043X')) failures.push(`départ : ${page.url()}`);

  // 1. What: the first radio, then arrow keys move within the group.
  await checkAxe('étape 1');
  await tabTo('premier type de demande', byId, 'action-pfmp');
  await page.keyboard.press('Space');
  await submitWith('Continuer (étape 1)', 'Continuer');
  if (!(await stepTitle()).startsWith('Les métiers')) failures.push(`étape 2 attendue : ${await stepTitle()}`);

  // 2. Jobs in company words.
  await checkAxe('étape 2');
  await tabTo('champ métier', byId, 'champ-q');
  await page.keyboard.type('électricien');
  await page.keyboard.press('Escape');
  await submitWith('Chercher ces métiers', 'Chercher ces métiers');
  const checked = await page.locator('input[name="metiers"]:checked').count();
  if (checked === 0) failures.push('étape 2 : aucun métier coché après la recherche');
  await checkAxe('étape 2 avec métiers');
  await submitWith('Continuer (étape 2)', 'Continuer');

  // 3. Where: an unknown place first (error, axe), then Lyon.
  await checkAxe('étape 3');
  await tabTo('champ commune', byId, 'champ-commune');
  await page.keyboard.type('Atlantide');
  await page.keyboard.press('Escape');
  await submitWith('Continuer (étape 3)', 'Continuer');
  if (!(await page.locator('#erreur-commune').isVisible())) failures.push('étape 3 : pas de message sous le champ commune');
  await checkAxe('étape 3 en erreur');
  await tabTo('champ commune', byId, 'champ-commune');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Lyon');
  await page.keyboard.press('Escape');
  await submitWith('Continuer (étape 3)', 'Continuer');

  // 4. Details.
  await checkAxe('étape 4');
  await tabTo('case Bac pro', byId, 'niveau-bac_pro');
  await page.keyboard.press('Space');
  await tabTo('message', byId, 'champ-message');
  await page.keyboard.type("Nous accueillons deux élèves en stage d'électricité, encadrés par notre chef d'équipe.");
  await submitWith('Continuer (étape 4)', 'Continuer');

  // 5. Contact: a wrong email first.
  await checkAxe('étape 5');
  await tabTo('entreprise', byId, 'champ-entreprise');
  await page.keyboard.type("Électricité L'Hôte & Fils <script>alert(1)</script>");
  await tabTo('prénom', byId, 'champ-prenom');
  await page.keyboard.type('Zoé');
  await tabTo('nom', byId, 'champ-nom');
  await page.keyboard.type("L'Hôte");
  await tabTo('email', byId, 'champ-email');
  await page.keyboard.type('zoe.lhote@exemple');
  await tabTo('consentement', byId, 'champ-consentement');
  await page.keyboard.press('Space');
  await submitWith('Continuer (étape 5)', 'Continuer');
  if (!(await page.locator('#erreur-email').isVisible())) failures.push('étape 5 : pas de message sous le champ e-mail');
  await checkAxe('étape 5 en erreur');
  if ((await page.inputValue('#champ-prenom')) !== 'Zoé') failures.push('étape 5 : le prénom saisi est perdu après l\'erreur');
  await tabTo('email', byId, 'champ-email');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`zoe.lhote+${Date.now()}@exemple.fr`);
  await submitWith('Continuer (étape 5)', 'Continuer');

  // 6. Review, back to a step and forward: nothing lost.
  await checkAxe('étape 6');
  const recap = await page.locator('.mlp-recap').textContent();
  for (const expected of ['Accueillir des élèves en stage', 'Lyon', "L'Hôte", '<script>alert(1)</script>']) {
    if (!recap.includes(expected)) failures.push(`récapitulatif : « ${expected} » absent`);
  }
  const hasText = (t) => document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.includes(t);
  await tabTo('Modifier : Lieu', hasText, 'Modifier : Lieu');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  if (!(await stepTitle()).startsWith('Le lieu')) failures.push(`retour au lieu : ${await stepTitle()}`);
  if ((await page.inputValue('#champ-commune')) !== 'Lyon') failures.push('retour au lieu : commune perdue');
  for (const expected of ['Les détails', 'Vos coordonnées', 'Vérification']) {
    await submitWith('Continuer', 'Continuer');
    if (!(await stepTitle()).startsWith(expected)) failures.push(`après retour : ${await stepTitle()} au lieu de ${expected}`);
  }
  await submitWith('Envoyer la demande', 'Envoyer la demande');

  // The confirmation: follow-up page.
  if (!page.url().includes('/suivi/')) failures.push(`confirmation : ${page.url()}`);
  const body = await page.locator('main').textContent();
  for (const expected of ['Votre demande est envoyée', 'MLP-', 'Jacques de Flesselles', 'coordonne la réponse', 'Et maintenant']) {
    if (!body.includes(expected)) failures.push(`confirmation : « ${expected} » absent`);
  }
  await checkAxe('confirmation');
  // Validation errors answer 422 on purpose.
  for (const p of problems.filter((p) => !p.includes('422'))) failures.push(`parcours : ${p}`);
  console.log(`SUIVI ${page.url().split('?')[0]}`);
} catch (e) {
  failures.push(`exception : ${e.message}`);
} finally {
  await context.close();
  await browser.close();
}

if (failures.length) {
  console.error(`${failures.length} problème(s) :\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log('parcours de demande réussi au clavier, sans violation axe');
