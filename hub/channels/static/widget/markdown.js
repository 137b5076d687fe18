/* The bot's Markdown as DOM nodes: the same small subset as hub/channels/markdown.py (one line is
 * one line; "- " and "1. " lists; "|" tables with a "|---|" row; "#" headings; **bold**, *italic*,
 * `code`, [words](https://...) and bare http(s) links). Every piece of text becomes a text node;
 * nothing is ever parsed as HTML, and a link goes only to http(s) or mailto, in a new tab.
 */
var markdown = (function () {
  "use strict";

  var LIST_ITEM = /^\s*(?:([-*+])|(\d{1,3})[.)])\s+(.*)$/;
  var HEADING = /^#{1,6}\s+(.*)$/;
  var TABLE_SEPARATOR = /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
  var INLINE = new RegExp([
    "(\\\\[\\\\`*_\\[\\]()#+\\-.!|])",
    "`([^`\\n]+)`",
    "\\*\\*([^*\\n]+?)\\*\\*|__([^_\\n]+?)__",
    "(?<![\\w*])\\*([^*\\s](?:[^*\\n]*[^*\\s])?)\\*(?![\\w*])",
    "(?<![\\w_])_([^_\\s](?:[^_\\n]*[^_\\s])?)_(?![\\w_])",
    "\\[([^\\]\\n]+)\\]\\(((?:[^()\\s]|\\([^()\\s]*\\))+)\\)",
    "(https?:\\/\\/[^\\s<>\"]+)"
  ].join("|"), "g");
  var SAFE_TARGET = /^(https?:\/\/|mailto:)[^\s<>"]+$/i;
  var TRAILING = ".,;:!?'";

  function node(tag, className) {
    var created = document.createElement(tag);
    if (className) created.className = className;
    return created;
  }

  function trimUrl(url) {
    var count = function (c) { return url.split(c).length - 1; };
    while (url && (TRAILING.indexOf(url[url.length - 1]) >= 0 || (url[url.length - 1] === ")" && count("(") < count(")")))) {
      url = url.slice(0, -1);
    }
    return url;
  }

  function link(words, href) {
    var a = node("a", "sd-link");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    a.textContent = words;
    return a;
  }

  function styled(tag, text) {
    var created = node(tag);
    created.textContent = text;
    return created;
  }

  /* Appends the inline spans of one line of text to `parent`. */
  function inline(parent, text) {
    var position = 0;
    var match;
    INLINE.lastIndex = 0;
    while ((match = INLINE.exec(text)) !== null) {
      if (match.index > position) parent.appendChild(document.createTextNode(text.slice(position, match.index)));
      position = match.index + match[0].length;
      if (match[1]) parent.appendChild(document.createTextNode(match[1].slice(1)));
      else if (match[2]) parent.appendChild(styled("code", match[2]));
      else if (match[3] || match[4]) parent.appendChild(styled("strong", match[3] || match[4]));
      else if (match[5] || match[6]) parent.appendChild(styled("em", match[5] || match[6]));
      else if (match[7]) {
        parent.appendChild(SAFE_TARGET.test(match[8]) ? link(match[7], match[8]) : document.createTextNode(match[7]));
      } else {
        var url = trimUrl(match[9]);
        parent.appendChild(link(url, url));
        if (url.length < match[9].length) parent.appendChild(document.createTextNode(match[9].slice(url.length)));
      }
    }
    if (position < text.length) parent.appendChild(document.createTextNode(text.slice(position)));
    return parent;
  }

  function cells(row) {
    row = row.trim();
    if (row.charAt(0) === "|") row = row.slice(1);
    if (row.slice(-1) === "|" && row.slice(-2) !== "\\|") row = row.slice(0, -1);
    return row.split(/(?<!\\)\|/).map(function (cell) { return cell.trim().replace(/\\\|/g, "|"); });
  }

  function table(header, body) {
    var wrap = node("div", "sd-table");
    var grid = node("table");
    var head = node("thead");
    var headRow = node("tr");
    var names = cells(header);
    names.forEach(function (name) {
      var th = inline(node("th"), name);
      th.scope = "col";
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    grid.appendChild(head);
    var tbody = node("tbody");
    body.forEach(function (line) {
      var tr = node("tr");
      var values = cells(line);
      names.forEach(function (_, i) { tr.appendChild(inline(node("td"), values[i] || "")); });
      tbody.appendChild(tr);
    });
    grid.appendChild(tbody);
    wrap.appendChild(grid);
    return wrap;
  }

  function list(lines, start) {
    var first = LIST_ITEM.exec(lines[start]);
    var ordered = first[2] !== undefined;
    var created = node(ordered ? "ol" : "ul");
    if (ordered && first[2] !== "1") created.start = Number(first[2]);
    var index = start;
    var match;
    while (index < lines.length && (match = LIST_ITEM.exec(lines[index])) && (match[2] !== undefined) === ordered) {
      created.appendChild(inline(node("li"), match[3]));
      index += 1;
    }
    return { node: created, next: index };
  }

  /* A <div> holding the rendered text: one block element per line, list, table or heading. */
  function render(text) {
    var root = node("div", "sd-md");
    var lines = String(text).replace(/\r\n/g, "\n").split("\n");
    var index = 0;
    while (index < lines.length) {
      var line = lines[index];
      if (line.trim().charAt(0) === "|" && index + 1 < lines.length && TABLE_SEPARATOR.test(lines[index + 1].trim())) {
        var end = index + 2;
        while (end < lines.length && lines[end].trim().charAt(0) === "|") end += 1;
        root.appendChild(table(line, lines.slice(index + 2, end)));
        index = end;
      } else if (LIST_ITEM.test(line)) {
        var made = list(lines, index);
        root.appendChild(made.node);
        index = made.next;
      } else {
        var heading = HEADING.exec(line);
        var block = heading ? inline(node("p", "sd-md-heading"), heading[1]) : inline(node("p"), line);
        if (!line.trim()) block.className = "sd-md-gap";
        root.appendChild(block);
        index += 1;
      }
    }
    return root;
  }

  /* Plain text with its links made clickable (what people write is never read as Markdown). */
  function linkify(text) {
    var root = node("div", "sd-md");
    String(text).split("\n").forEach(function (line) {
      var p = node("p");
      var position = 0;
      var pattern = /https?:\/\/[^\s<>"]+/g;
      var match;
      while ((match = pattern.exec(line)) !== null) {
        var url = trimUrl(match[0]);
        if (match.index > position) p.appendChild(document.createTextNode(line.slice(position, match.index)));
        p.appendChild(link(url, url));
        position = match.index + url.length;
      }
      if (position < line.length) p.appendChild(document.createTextNode(line.slice(position)));
      if (!line.trim()) p.className = "sd-md-gap";
      root.appendChild(p);
    });
    return root;
  }

  return { render: render, linkify: linkify };
})();
