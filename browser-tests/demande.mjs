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

// Tab until the element matching `predicate` has the focus; `tabs` counts
// the presses of a journey.
let tabs = 0;
async function tabTo(label, predicate, arg) {
  for (let i = 0; i < 150; i++) {
    await page.keyboard.press('Tab');
    tabs += 1;
    if (process.env.MLP_TABS_DETAIL) {
      console.log(`  ${label} ← ${await page.evaluate(() => { const e = document.activeElement; return `${e?.tagName} ${e?.id || ''} ${(e?.textContent || '').trim().slice(0, 40)}`; })}`);
    }
    if (await page.evaluate(predicate, arg)) return true;
  }
  failures.push(`clavier : ${label} inatteignable`);
  throw new Error(failures.join('\n'));
}
const byId = (id) => document.activeElement?.id === id;
const button = (text) => document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.trim().startsWith(text);
const link = (text) => document.activeElement?.tagName === 'A' && document.activeElement.textContent.trim() === text;

// The skip link "Contenu", as a keyboard user starts each page.
async function skip() {
  await page.keyboard.press('Tab');
  tabs += 1;
  if (!(await page.evaluate(() => document.activeElement?.getAttribute('href') === '#contenu'))) {
    failures.push(`clavier : le premier Tab de ${page.url()} ne mène pas au lien d'évitement « Contenu »`);
  }
  await page.keyboard.press('Enter');
}

async function submitWith(label, text) {
  await tabTo(label, button, text);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

// Step 5, typed field by field with the keyboard.
async function typeContact({ entreprise, prenom, nom, email }) {
  for (const [label, id, text] of [['entreprise', 'champ-entreprise', entreprise], ['prénom', 'champ-prenom', prenom], ['nom', 'champ-nom', nom], ['email', 'champ-email', email]]) {
    await tabTo(label, byId, id);
    await page.keyboard.type(text);
  }
  await tabTo('consentement', byId, 'champ-consentement');
  await page.keyboard.press('Space');
}

// After a step, the next one opens with the focus on its heading.
async function onStep(label) {
  if (process.env.MLP_TABS_DETAIL) console.log(`TAB ${label} ${tabs}`);
  if (!(await page.evaluate(() => document.activeElement?.id === 'etape'))) {
    failures.push(`clavier : après ${label}, le focus n'est pas sur le titre de l'étape`);
  }
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
  await onStep('l\'étape 1 (depuis la vitrine)');

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
  if (!(await page.evaluate(() => document.activeElement?.id === 'resume-erreurs'))) failures.push('étape 3 : le focus n\'est pas sur le résumé des erreurs');
  if ((await page.getAttribute('#champ-commune', 'aria-invalid')) !== 'true') failures.push('étape 3 : champ commune sans aria-invalid');
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
  // A date typed as French people do, day first, without separators.
  await tabTo('début de période', byId, 'champ-debut');
  await page.keyboard.type('11012027');
  await tabTo('message', byId, 'champ-message');
  await page.keyboard.type("Nous accueillons deux élèves en stage d'électricité, encadrés par notre chef d'équipe.");
  await submitWith('Continuer (étape 4)', 'Continuer');

  // 5. Contact: a wrong email first.
  await checkAxe('étape 5');
  await typeContact({ entreprise: "Électricité L'Hôte & Fils <script>alert(1)</script>", prenom: 'Zoé', nom: "L'Hôte", email: 'zoe.lhote@exemple' });
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
  for (const expected of ['Accueillir des élèves en stage', 'Lyon', "L'Hôte", '<script>alert(1)</script>', 'à partir du 11/01/2027']) {
    if (!recap.includes(expected)) failures.push(`récapitulatif : « ${expected} » absent`);
  }
  const hasText = (t) => document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.includes(t);
  await tabTo('Modifier : Le lieu', hasText, 'Modifier : Le lieu');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  if (!(await stepTitle()).startsWith('Le lieu')) failures.push(`retour au lieu : ${await stepTitle()}`);
  if ((await page.inputValue('#champ-commune')) !== 'Lyon') failures.push('retour au lieu : commune perdue');
  // "Modifier" leads back to the review, not through every later step.
  await submitWith('Revenir à la vérification', 'Revenir à la vérification');
  if (!(await stepTitle()).startsWith('Vérification')) failures.push(`après « Modifier » : ${await stepTitle()} au lieu de la vérification`);
  await submitWith('Envoyer la demande', 'Envoyer la demande');

  // The confirmation: follow-up page, its link a real link.
  if (!page.url().includes('/suivi/')) failures.push(`confirmation : ${page.url()}`);
  const followHref = await page.locator('#lien-suivi').getAttribute('href');
  if (!followHref || !page.url().startsWith(followHref.split('?')[0])) failures.push(`confirmation : lien de suivi ${followHref}`);
  if (!(await page.locator('[data-mlp-copy="lien-suivi"]').isVisible())) failures.push('confirmation : pas de bouton « Copier le lien »');
  const body = await page.locator('main').textContent();
  for (const expected of ['Votre demande est envoyée', 'MLP-', 'Jacques de Flesselles', 'coordonne la réponse', 'Et maintenant']) {
    if (!body.includes(expected)) failures.push(`confirmation : « ${expected} » absent`);
  }
  await checkAxe('confirmation');
  // Validation errors answer 422 on purpose.
  for (const p of problems.filter((p) => !p.includes('422'))) failures.push(`parcours : ${p}`);
  console.log(`SUIVI ${page.url().split('?')[0]}`);

  // The Lyon electricity journey from the home page, with the keyboard
  // only: the Tab presses are counted (goal: at most 60), each step
  // opening on its heading.
  tabs = 0;
  await page.goto(`${base}/`, { waitUntil: 'networkidle' });
  await skip();
  await tabTo('champ métier de l\'accueil', byId, 'accueil-metier');
  await page.keyboard.type('électricien');
  await page.keyboard.press('Escape');
  await tabTo('champ commune de l\'accueil', byId, 'accueil-commune');
  await page.keyboard.type('Lyon');
  await page.keyboard.press('Escape');
  await submitWith('Rechercher (accueil)', 'Rechercher');
  // The skip link "Résultats", second of the page.
  await tabTo('lien d\'évitement « Résultats »', (h) => document.activeElement?.getAttribute('href') === h, '#titre-resultats');
  await page.keyboard.press('Enter');
  await tabTo('lien « Faire une demande à ces lycées »', link, 'Faire une demande à ces lycées');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await skip();
  await tabTo('premier type de demande', byId, 'action-pfmp');
  await page.keyboard.press('Space');
  await submitWith('Continuer (1)', 'Continuer');
  if ((await page.locator('input[name="metiers"]:checked').count()) === 0) failures.push('depuis l\'accueil : métiers non repris');
  await onStep('l\'étape 1');
  await submitWith('Continuer (2)', 'Continuer');
  if ((await page.inputValue('#champ-commune')) !== 'Lyon') failures.push('depuis l\'accueil : commune non reprise');
  await onStep('l\'étape 2');
  await submitWith('Continuer (3)', 'Continuer');
  await onStep('l\'étape 3');
  await tabTo('message', byId, 'champ-message');
  await page.keyboard.type('Deux élèves de bac pro en mai.');
  await submitWith('Continuer (4)', 'Continuer');
  await onStep('l\'étape 4');
  await typeContact({ entreprise: 'Lumière Lyon', prenom: 'Inès', nom: 'Roux', email: `ines.roux+${Date.now()}@exemple.fr` });
  await submitWith('Continuer (5)', 'Continuer');
  await onStep('l\'étape 5');
  await submitWith('Envoyer la demande', 'Envoyer la demande');
  const journeyTabs = tabs;
  if (!page.url().includes('/suivi/')) failures.push(`depuis l'accueil : ${page.url()}`);
  // "Contacter ce lycée" from a result keeps the words and the place.
  await page.goto(`${base}/recherche?q=electricien&commune=Lyon`, { waitUntil: 'networkidle' });
  await Promise.all([page.waitForNavigation(), page.locator('.mlp-results .fr-card__title a').first().click()]);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Contacter ce lycée' }).first().click()]);
  await tabTo('premier type de demande (depuis un résultat)', byId, 'action-pfmp');
  await page.keyboard.press('Space');
  await submitWith('Continuer (depuis un résultat)', 'Continuer');
  if ((await page.inputValue('#champ-q')) !== 'electricien') failures.push('depuis un résultat : mots perdus');
  if ((await page.locator('input[name="metiers"]:checked').count()) === 0) failures.push('depuis un résultat : métiers perdus');
  if ((await page.locator('input[name="commune_texte"]').getAttribute('value')) !== 'Lyon') failures.push('depuis un résultat : commune perdue');
  console.log(`TABULATIONS ${journeyTabs} (parcours d'électricité à Lyon depuis l'accueil jusqu'à l'envoi, objectif 60 au plus)`);
  if (journeyTabs > 60) failures.push(`clavier : ${journeyTabs} tabulations depuis l'accueil (objectif 60 au plus)`);
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
