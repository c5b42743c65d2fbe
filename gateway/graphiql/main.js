// Starts GraphiQL on /graphiql/. A plain browser script (no modules, no bundler): it runs
// after the UMD builds in index.html have set the globals React, ReactDOM, GraphiQL and
// GraphiQLPluginExplorer. Everything it loads comes from this origin.
(function () {
  'use strict';

  // Keys in localStorage: "<namespace>:graphiql:<key>" for GraphiQL's own state (tabs,
  // history, theme, …) and "<namespace>:examples" for the fingerprint of the examples
  // the saved tabs were made from.
  var STORAGE_NAMESPACE = 'regiongraph-graphiql';
  var EXAMPLES_KEY = STORAGE_NAMESPACE + ':examples';
  var TABS_KEY = STORAGE_NAMESPACE + ':graphiql:tabState';

  var container = document.getElementById('graphiql');

  function showError(message) {
    container.innerHTML = '';
    var p = document.createElement('p');
    p.className = 'regiongraph-message error';
    p.textContent = message;
    container.appendChild(p);
  }

  var meta = document.querySelector('meta[name="graphql-endpoint"]');
  var endpoint = meta && meta.getAttribute('content');
  if (!endpoint) {
    showError('The page does not name a GraphQL endpoint (<meta name="graphql-endpoint">).');
    return;
  }
  if (typeof React === 'undefined' || typeof ReactDOM === 'undefined' ||
      typeof GraphiQL === 'undefined' || typeof GraphiQLPluginExplorer === 'undefined') {
    showError('GraphiQL could not be loaded: a script under vendor/ is missing.');
    return;
  }

  /** An example operation from operations.json as a GraphiQL tab definition. */
  function toTab(operation) {
    var query = String(operation.query).replace(/\s+$/, '') + '\n';
    // GraphiQL titles a tab by its operation name; the comment says which file it came from.
    if (!/^\s*#/.test(query)) query = '# ' + operation.name + '\n' + query;
    var tab = { query: query };
    if (operation.variables !== undefined && operation.variables !== null) {
      tab.variables = typeof operation.variables === 'string'
        ? operation.variables
        : JSON.stringify(operation.variables, null, 2);
    }
    return tab;
  }

  /** 32-bit FNV-1a, enough to notice that the examples changed. */
  function fingerprint(text) {
    var hash = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash.toString(16) + '-' + text.length;
  }

  function localStorageWorks() {
    try {
      var key = STORAGE_NAMESPACE + ':probe';
      window.localStorage.setItem(key, '1');
      window.localStorage.removeItem(key);
      return true;
    } catch (error) {
      return false;
    }
  }

  /** GraphiQL's Storage interface kept in memory, for browsers that refuse localStorage. */
  function memoryStorage() {
    var items = new Map();
    return {
      getItem: function (key) { return items.has(key) ? items.get(key) : null; },
      setItem: function (key, value) { items.set(key, String(value)); },
      removeItem: function (key) { items.delete(key); },
      clear: function () { items.clear(); },
      get length() { return items.size; },
    };
  }

  /**
   * GraphiQL restores saved tabs instead of `defaultTabs`. Saved tabs are kept across reloads,
   * but when the examples differ from the ones they were made from (first visit, or the
   * gateway's operations changed) they are dropped so the examples show up.
   */
  function createStorage(tabs) {
    if (!localStorageWorks()) return memoryStorage();
    var current = fingerprint(endpoint + '\n' + JSON.stringify(tabs));
    if (window.localStorage.getItem(EXAMPLES_KEY) !== current) {
      window.localStorage.removeItem(TABS_KEY);
      window.localStorage.setItem(EXAMPLES_KEY, current);
    }
    return GraphiQL.createLocalStorage({ namespace: STORAGE_NAMESPACE });
  }

  function loadOperations() {
    return fetch('operations.json', { headers: { accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('operations.json: HTTP ' + response.status);
        return response.json();
      })
      .then(function (operations) {
        if (!Array.isArray(operations)) throw new Error('operations.json is not a list');
        return operations;
      })
      .catch(function (error) {
        console.warn('No example operations:', error);
        return [];
      });
  }

  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  function render(operations) {
    var tabs = operations.map(toTab);
    var props = {
      fetcher: GraphiQL.createFetcher({ url: new URL(endpoint, location.href).href }),
      plugins: [explorer],
      shouldPersistHeaders: false,
      storage: createStorage(tabs),
    };
    if (tabs.length > 0) props.defaultTabs = tabs;
    var logo = React.createElement(GraphiQL.Logo, null, 'regiongraph');
    ReactDOM.createRoot(container).render(React.createElement(GraphiQL, props, logo));
  }

  loadOperations().then(render).catch(function (error) {
    console.error(error);
    showError('GraphiQL failed to start: ' + (error && error.message ? error.message : error));
  });
})();
