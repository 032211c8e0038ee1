// Browser test of the workspace: node browser-tests/espace.mjs BASE_URL SESSION REFERENCE [UAI]
// SESSION is the session token of a business officer whose lycée is the
// pilot of request REFERENCE (and who is also an administrator's peer: the
// caller passes an admin session as ADMIN_SESSION in the environment).
// Every workspace page: zero axe violations at two widths, readable without
// JavaScript. Then, with the keyboard only: inbox → the request → "Prendre
// en charge" → confirmation; a failed submit puts the focus on the error
// summary; a company's message shows as unread in « À traiter »; handing
// over to a lycée found by its commune. Exits non-zero with a report on any
// failure.
import { launch, openPage, axe } from './lib.mjs';

const [base, session, reference, uai] = process.argv.slice(2);
if (!base || !session || !reference) {
  console.error('usage : node browser-tests/espace.mjs http://127.0.0.1:PORT SESSION REFERENCE');
  process.exit(2);
}
const adminSession = process.env.ADMIN_SESSION;
const coordSession = process.env.COORD_SESSION;
const failures = [];

async function signedIn(browser, token, options = {}) {
  const opened = await openPage(browser, options);
  if (token) {
    const url = new URL(base);
    await opened.context.addCookies([{ name: 'mlp_session', value: token, domain: url.hostname, path: '/', httpOnly: true }]);
  }
  return opened;
}

const pages = [
  [null, '/connexion'],
  [null, '/rejoindre'],
  [session, '/espace'],
  [session, '/espace?statut=toutes'],
  [session, `/espace/demandes/${reference}`],
  ...(uai ? [[session, `/espace/lycees/${uai}/vitrine`]] : []),
  ...(adminSession
    ? [
        [adminSession, '/admin'],
        [adminSession, '/admin/referentiels'],
        [adminSession, '/espace/equipe'],
        [adminSession, '/espace/territoire'],
        [adminSession, '/espace/territoire?academie=10'],
        [adminSession, '/espace/territoire?academie=10&action=pfmp&domaine=F16&tri=recues'],
      ]
    : []),
  ...(coordSession ? [[coordSession, '/espace/territoire'], [coordSession, '/espace/territoire?tri=delai']] : []),
];

const browser = await launch();
try {
  for (const [token, path] of pages) {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 800 }]) {
      const { context, page, problems } = await signedIn(browser, token, { viewport });
      const res = await page.goto(base + path, { waitUntil: 'networkidle' });
      if (res.status() !== 200) failures.push(`${path} : statut ${res.status()}`);
      for (const p of problems) failures.push(`${path} (${viewport.width}px) : ${p}`);
      for (const v of await axe(page)) failures.push(`${path} (${viewport.width}px) : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
      await context.close();
    }
    const { context, page } = await signedIn(browser, token, { javaScript: false });
    await page.goto(base + path, { waitUntil: 'load' });
    const h1 = await page.locator('h1').first().textContent().catch(() => null);
    if (!h1 || !h1.trim()) failures.push(`${path} sans JavaScript : pas de titre h1`);
    await context.close();
  }

  // Keyboard only: the inbox, the request, take it in charge.
  const { context, page } = await signedIn(browser, session);
  await page.goto(base + '/espace', { waitUntil: 'networkidle' });
  const tabTo = async (test, what) => {
    for (let i = 0; i < 300; i++) {
      await page.keyboard.press('Tab');
      const active = await page.evaluate(() => {
        const a = document.activeElement;
        const style = a ? getComputedStyle(a) : null;
        return a ? { href: a.getAttribute('href'), text: a.textContent.trim(), tag: a.tagName, outline: style.outlineStyle } : null;
      });
      if (active && test(active)) {
        if (active.outline === 'none') failures.push(`clavier : le focus sur ${what} n'est pas visible`);
        return true;
      }
    }
    failures.push(`clavier : ${what} inatteignable avec Tab depuis ${page.url()}`);
    return false;
  };
  if (await tabTo((a) => a.href === `/espace/demandes/${reference}`, `le lien de la demande ${reference}`)) {
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    if (await tabTo((a) => a.tag === 'BUTTON' && a.text === 'Prendre en charge', 'le bouton « Prendre en charge »')) {
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      const notice = await page.locator('.fr-alert--success').textContent().catch(() => '');
      if (!page.url().includes('fait=prendre') || !notice.includes('prend la demande en charge')) {
        failures.push(`clavier : après « Prendre en charge », ${page.url()} « ${notice} »`);
      }
      for (const v of await axe(page)) failures.push(`après prise en charge : axe ${v.id} ${v.help} → ${v.nodes.join(' | ')}`);
    }
  }
  await context.close();

  // Keyboard only, the showcase editor: write a presentation, save.
  if (uai) {
    const { context, page } = await signedIn(browser, session);
    await page.goto(base + `/espace/lycees/${uai}/vitrine`, { waitUntil: 'networkidle' });
    let reachedField = false;
    for (let i = 0; i < 200 && !reachedField; i++) {
      await page.keyboard.press('Tab');
      reachedField = await page.evaluate(() => document.activeElement?.id === 'champ-presentation');
    }
    if (!reachedField) failures.push('clavier : champ « Présentation » de la vitrine inatteignable');
    else {
      await page.keyboard.type('Atelier **électrotechnique** ouvert aux entreprises.', { delay: 5 });
      const tabToButton = async (text) => {
        for (let i = 0; i < 200; i++) {
          await page.keyboard.press('Tab');
          const t = await page.evaluate(() => document.activeElement?.tagName === 'BUTTON' ? document.activeElement.textContent.trim() : '');
          if (t === text) return true;
        }
        return false;
      };
      if (!(await tabToButton('Enregistrer la vitrine'))) failures.push('clavier : bouton « Enregistrer la vitrine » inatteignable');
      else {
        await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
        const notice = await page.locator('.fr-alert--success').first().textContent().catch(() => '');
        if (!notice.includes('Vitrine enregistrée')) failures.push(`clavier : vitrine non enregistrée (${page.url()})`);
        for (const v of await axe(page)) failures.push(`vitrine enregistrée : axe ${v.id} ${v.help} → ${v.nodes.join(' | ')}`);
        await page.goto(base + `/lycees/${uai}`, { waitUntil: 'networkidle' });
        const shown = await page.locator('.mlp-markdown strong').first().textContent().catch(() => '');
        if (shown !== 'électrotechnique') failures.push(`vitrine : présentation absente de la page publique (« ${shown} »)`);
      }
    }
    await context.close();
  }

  // Keyboard only, the territory's filters: choose a type of request with
  // the arrow keys, filter, and land on the filtered page.
  if (adminSession) {
    const { context, page } = await signedIn(browser, adminSession);
    await page.goto(base + '/espace/territoire?academie=10', { waitUntil: 'networkidle' });
    let reached = false;
    for (let i = 0; i < 200 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'filtre-action');
    }
    if (!reached) failures.push('clavier : filtre « Type de demande » du territoire inatteignable');
    else {
      await page.keyboard.press('ArrowDown');
      let onButton = false;
      for (let i = 0; i < 20 && !onButton; i++) {
        await page.keyboard.press('Tab');
        onButton = await page.evaluate(() => document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.trim() === 'Filtrer');
      }
      if (!onButton) failures.push('clavier : bouton « Filtrer » du territoire inatteignable');
      else {
        await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
        if (!/[?&]action=[a-z_]+/.test(page.url())) failures.push(`clavier : filtre du territoire non appliqué (${page.url()})`);
        for (const v of await axe(page)) failures.push(`territoire filtré : axe ${v.id} ${v.help} → ${v.nodes.join(' | ')}`);
      }
    }
    await context.close();
  }

  // The coordinator's own territory: the map is an image with a name, and
  // its figures are in tables (the lycées', the communes'); the domain,
  // lycée and period filters used with the keyboard only.
  if (coordSession) {
    const { context, page } = await signedIn(browser, coordSession);
    await page.goto(base + '/espace/territoire', { waitUntil: 'networkidle' });
    const map = await page.evaluate(() => {
      const svg = document.querySelector('figure.mlp-map svg[role="img"]');
      const named = svg && svg.getAttribute('aria-labelledby').split(' ').every((id) => document.getElementById(id)?.textContent.trim());
      return { svg: !!svg, named: !!named, squares: svg ? svg.querySelectorAll('rect[fill="none"]').length : 0,
        lycees: !!document.querySelector('#legende-lycees'), communes: !!document.querySelector('#legende-communes') };
    });
    if (!map.svg || !map.named) failures.push('territoire : carte sans image nommée');
    if (!map.lycees || !map.communes || map.squares < 1) failures.push(`territoire : la carte n'a pas ses tableaux (${JSON.stringify(map)})`);
    const tabTo = async (id) => {
      for (let i = 0; i < 200; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((want) => document.activeElement?.id === want, id)) return true;
      }
      failures.push(`clavier : champ ${id} du territoire inatteignable`);
      return false;
    };
    if (await tabTo('filtre-domaine')) {
      await page.keyboard.type('f16');
      if (await tabTo('filtre-lycee')) {
        await page.keyboard.press('ArrowDown');
        if (await tabTo('filtre-du')) {
          await page.keyboard.type('01/2026');
          const typed = await page.evaluate(() => document.getElementById('filtre-du').value);
          if (typed !== '01/2026') failures.push(`clavier : période tapée « 01/2026 » lue ${JSON.stringify(typed)}`);
          let onButton = false;
          for (let i = 0; i < 20 && !onButton; i++) {
            await page.keyboard.press('Tab');
            onButton = await page.evaluate(() => document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.trim() === 'Filtrer');
          }
          if (!onButton) failures.push('clavier : bouton « Filtrer » du territoire inatteignable (coordination)');
          else {
            await Promise.all([page.waitForNavigation({ timeout: 10000 }).catch(() => failures.push('clavier : « Filtrer » n\'a rien envoyé (coordination)')), page.keyboard.press('Enter')]);
            const url = page.url();
            if (!/domaine=F16/i.test(url) || !/lycee=[0-9]{7}[A-Z]/.test(url) || !/du=01%2F2026/.test(url)) failures.push(`clavier : filtres du territoire non appliqués (${url})`);
            for (const v of await axe(page)) failures.push(`territoire de la coordination filtré : axe ${v.id} ${v.help} → ${v.nodes.join(' | ')}`);
          }
        }
      }
    }
    await context.close();
  }

  // Issue 13. After a failed submit the focus is on the error summary,
  // whose links lead to the fields; each field in error says so.
  {
    const { context, page } = await signedIn(browser, session);
    await page.goto(base + `/espace/demandes/${reference}`, { waitUntil: 'networkidle' });
    const send = page.locator('form[action$="/ecrire"] button[type="submit"]');
    if (!(await send.count())) failures.push('erreurs : formulaire « Écrire à l\'entreprise » absent après prise en charge');
    else {
      await Promise.all([page.waitForNavigation(), send.click()]);
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'resume-erreurs', null, { timeout: 5000 })
        .catch(() => failures.push('erreurs : le focus n\'est pas sur le résumé des erreurs après l\'envoi'));
      const field = page.locator('#texte-entreprise');
      if ((await field.getAttribute('aria-invalid')) !== 'true') failures.push('erreurs : champ du message sans aria-invalid');
      const described = (await field.getAttribute('aria-describedby')) || '';
      const message = described.split(' ')[0] ? await page.locator(`#${described.split(' ')[0]}`).textContent().catch(() => '') : '';
      if (!message.includes('Écrivez votre message')) failures.push(`erreurs : message non relié au champ (« ${described} »)`);
      for (const v of await axe(page)) failures.push(`formulaire en erreur : axe ${v.id} ${v.help} → ${v.nodes.join(' | ')}`);
      // The summary's link leads to the field, with the keyboard.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForTimeout(100);
      const at = await page.evaluate(() => location.hash);
      if (at !== '#texte-entreprise') failures.push(`erreurs : le lien du résumé ne mène pas au champ (${at})`);
    }
    await context.close();
  }

  // Issue 13. A company writes on a request sent to the officer's lycée:
  // the request comes back in « À traiter », marked « Nouveau message »
  // (also said to screen readers), until the officer opens it.
  if (uai) {
    const res = await fetch(base + '/api/v1/demandes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        action: 'pfmp',
        // Another company (the same SIRET would be a duplicate).
        entreprise: { nom: 'Menuiserie Carrel' },
        contact: { prenom: 'Hugo', nom: 'Carrel', email: 'navigateur.message@exemple.fr', telephone: '04 78 00 00 01' },
        commune: '69123',
        rayon_km: 30,
        metiers: ['F1602'],
        niveaux: ['bac_pro'],
        nombre_eleves: 2,
        message: 'Une seconde demande, pour le test du navigateur.',
        // Asked from the officer's lycée page: it leads when it fits.
        lycee: uai,
        consentement: true,
      }),
    });
    const created = await res.json().catch(() => ({}));
    const second = created.reference;
    const told = (created.destinataires || []).filter((d) => d.role !== 'reserve').map((d) => d.uai);
    if (res.status !== 201 || !second) failures.push(`message non lu : demande non créée (${res.status})`);
    else if (!told.includes(uai)) failures.push(`message non lu : ${uai} n'est pas sollicité par ${second} (${created.statut})`);
    else {
      const company = await openPage(browser);
      await company.page.goto(created.suivi_url, { waitUntil: 'networkidle' });
      await company.page.fill('#message-entreprise', 'Avez-vous pu regarder notre demande ?');
      await Promise.all([company.page.waitForNavigation(), company.page.locator('form[action$="/message"] button[type="submit"]').click()]);
      await company.context.close();

      const { context, page } = await signedIn(browser, session);
      await page.goto(base + '/espace?statut=a_traiter', { waitUntil: 'networkidle' });
      const card = page.locator('li.fr-card', { has: page.locator(`a[href="/espace/demandes/${second}"]`) });
      const text = (await card.textContent().catch(() => '')) || '';
      if (!text.includes('Nouveau message')) failures.push(`message non lu : pas de badge « Nouveau message » sur ${second} dans « À traiter »`);
      const name = (await page.locator(`a[href="/espace/demandes/${second}"]`).textContent().catch(() => '')) || '';
      if (!name.includes('nouveau message')) failures.push(`message non lu : le lien de ${second} ne le dit pas aux lecteurs d'écran (« ${name.trim()} »)`);
      for (const v of await axe(page)) failures.push(`« À traiter » avec un message non lu : axe ${v.id} ${v.help} → ${v.nodes.join(' | ')}`);

      // Opening it reads the message.
      await page.goto(base + `/espace/demandes/${second}`, { waitUntil: 'networkidle' });
      await page.goto(base + '/espace?statut=toutes', { waitUntil: 'networkidle' });
      const after = (await page.locator('li.fr-card', { has: page.locator(`a[href="/espace/demandes/${second}"]`) }).textContent().catch(() => '')) || '';
      if (after.includes('Nouveau message')) failures.push('message non lu : toujours « Nouveau message » après ouverture');

      // Hand-over by name, keyboard only: search « Lyon », pick the first
      // lycée found with the arrow keys, hand over.
      await page.goto(base + `/espace/demandes/${second}`, { waitUntil: 'networkidle' });
      let onSearch = false;
      for (let i = 0; i < 300 && !onSearch; i++) {
        await page.keyboard.press('Tab');
        onSearch = await page.evaluate(() => document.activeElement?.id === 'lycee-q');
      }
      if (!onSearch) failures.push('passer la main : champ de recherche du lycée inatteignable au clavier');
      else {
        await page.keyboard.type('Lyon', { delay: 5 });
        await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
        const choices = page.locator('input[type="radio"][name="lycee"]');
        if (!(await choices.count())) failures.push('passer la main : aucun lycée proposé pour « Lyon »');
        else {
          for (const v of await axe(page)) failures.push(`passer la main, lycées trouvés : axe ${v.id} ${v.help} → ${v.nodes.join(' | ')}`);
          const chosen = await choices.first().getAttribute('value');
          await choices.first().focus();
          await page.keyboard.press('Space');
          let onButton = false;
          for (let i = 0; i < 30 && !onButton; i++) {
            await page.keyboard.press('Tab');
            onButton = await page.evaluate(() => document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.trim() === 'Passer la main');
          }
          if (!onButton) failures.push('passer la main : bouton inatteignable au clavier');
          else {
            await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
            const notice = (await page.locator('.fr-alert--success').textContent().catch(() => '')) || '';
            if (!notice.includes('confiée')) failures.push(`passer la main à ${chosen} : ${page.url()} « ${notice.trim()} »`);
          }
        }
      }
      await context.close();
    }
  }

  // Partners: the company of the request just taken is one now.
  for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 800 }]) {
    const { context, page, problems } = await signedIn(browser, session, { viewport });
    await page.goto(base + '/espace/partenaires', { waitUntil: 'networkidle' });
    for (const v of await axe(page)) failures.push(`/espace/partenaires (${viewport.width}px) : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
    const link = await page.locator('a[href^="/espace/partenaires/"]').first().getAttribute('href').catch(() => null);
    if (!link) {
      failures.push('partenaires : l\'entreprise de la demande prise en charge manque');
    } else {
      await page.goto(base + link, { waitUntil: 'networkidle' });
      for (const v of await axe(page)) failures.push(`${link} (${viewport.width}px) : axe ${v.id} (${v.impact}) ${v.help} → ${v.nodes.join(' | ')}`);
    }
    for (const p of problems) failures.push(`partenaires (${viewport.width}px) : ${p}`);
    await context.close();
  }
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(`${failures.length} problème(s) :\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log('espace vérifié : pages accessibles, parcours au clavier réussi');
