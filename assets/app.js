// MonLycéePro — progressive enhancements. Every page works without
// JavaScript; this file only adds suggestions while typing.
//
// Fields inside an element marked `data-mlp-suggest="metiers|communes"`
// become ARIA 1.2 comboboxes (list autocomplete): arrow keys move through
// the suggestions, Enter picks one, Escape closes the list, and a polite
// live region says how many suggestions are shown. The list takes its
// place in the page (it pushes the next field down, never covers it: a
// click meant for the commune field must not pick a job), closes as soon
// as the field loses focus, and is no Tab stop (Chromium makes a scrolling
// list focusable: Tab landed on it, then on <body> when it closed).

const SOURCES = {
  metiers: {
    url: (q) => `/api/v1/metiers?limit=8&q=${encodeURIComponent(q)}`,
    label: (x) => x.appellation,
    detail: (x) => (x.libelle !== x.appellation ? x.libelle : ''),
  },
  communes: {
    url: (q) => `/api/v1/communes?limit=8&q=${encodeURIComponent(q)}`,
    label: (x) => x.nom,
    detail: (x) => `${x.departement} · ${x.codes_postaux.slice(0, 3).join(', ')}${x.codes_postaux.length > 3 ? '…' : ''}`,
    code: (x) => x.code_insee,
  },
};

function combobox(group) {
  const source = SOURCES[group.dataset.mlpSuggest];
  const input = group.querySelector('input.fr-input');
  if (!source || !input) return;
  const hidden = group.querySelector('input[type="hidden"]');
  const list = document.createElement('ul');
  list.id = `${input.id}-suggestions`;
  list.className = 'mlp-suggestions';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Suggestions');
  list.tabIndex = -1;
  list.hidden = true;
  const status = document.createElement('div');
  status.className = 'fr-sr-only';
  status.setAttribute('aria-live', 'polite');
  input.after(list, status);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', list.id);

  let items = [];
  let active = -1;
  let timer = null;
  let controller = null;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', list.children[i].id);
      list.children[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };
  const choose = (i) => {
    const item = items[i];
    if (!item) return;
    input.value = source.label(item);
    if (hidden && source.code) hidden.value = source.code(item);
    close();
    status.textContent = `${source.label(item)} choisi`;
  };
  const render = () => {
    list.replaceChildren(
      ...items.map((item, i) => {
        const li = document.createElement('li');
        li.id = `${list.id}-${i}`;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.textContent = source.label(item);
        const detail = source.detail(item);
        if (detail) {
          const small = document.createElement('span');
          small.className = 'mlp-suggestions__detail';
          small.textContent = ` ${detail}`;
          li.append(small);
        }
        li.addEventListener('mousedown', (e) => {
          e.preventDefault();
          choose(i);
        });
        return li;
      }),
    );
    // Suggestions that arrive after the focus left stay closed.
    const open = items.length > 0 && document.activeElement === input;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    active = -1;
    status.textContent = open ? `${items.length} suggestion${items.length > 1 ? 's' : ''}, flèches haut et bas pour choisir` : 'Aucune suggestion';
  };
  const fetchSuggestions = async () => {
    const q = input.value.trim();
    if (q.length < 2) {
      items = [];
      close();
      return;
    }
    controller?.abort();
    controller = new AbortController();
    try {
      const res = await fetch(source.url(q), { signal: controller.signal, headers: { Accept: 'application/json' } });
      if (!res.ok) return;
      items = await res.json();
      render();
    } catch (e) {
      if (e.name !== 'AbortError') close();
    }
  };

  input.addEventListener('input', () => {
    if (hidden) hidden.value = '';
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 150);
  });
  input.addEventListener('keydown', (e) => {
    const open = !list.hidden;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open && items.length) render();
      highlight(Math.min(active + 1, items.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (e.key === 'Enter' && open && active >= 0) {
      e.preventDefault();
      choose(active);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      close();
    }
  });
  // A click on a suggestion keeps the focus (its mousedown is prevented),
  // so the list can close at once when the focus goes anywhere else.
  input.addEventListener('blur', () => {
    clearTimeout(timer);
    controller?.abort();
    close();
  });
}

document.querySelectorAll('[data-mlp-suggest]').forEach(combobox);

// Pages can tell JavaScript runs (the header menu has a no-JS fallback).
document.documentElement.classList.add('mlp-js');

// After a failed submit, the error summary (journey, follow-up page,
// workspace) takes the focus: a screen reader reads it first, and its links
// lead to each field. Without JavaScript it is the first thing of the
// content.
document.querySelector('[data-mlp-focus]')?.focus();

// "Copier le lien" (or a lycée's UAI): copies the text of the element named
// by `data-mlp-copy` and says so in a polite live region (the message of
// `data-mlp-copied`, "Lien copié." by default). Without JavaScript the
// button stays hidden and the text can be selected.
document.querySelectorAll('[data-mlp-copy]').forEach((button) => {
  const source = document.getElementById(button.dataset.mlpCopy);
  const status = document.getElementById(`${button.dataset.mlpCopy}-statut`);
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(source.href || source.textContent.trim());
      if (status) status.textContent = button.dataset.mlpCopied || 'Lien copié.';
    } catch {
      if (status) status.textContent = 'La copie a échoué : sélectionnez le texte pour le copier.';
    }
  });
});
