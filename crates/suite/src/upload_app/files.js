// What both pages share: sizes as people read them, and the user's files as table rows.
"use strict";

// 1536 -> "1.5 KiB".
function formatBytes(bytes) {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

// Fills `tbody` with `files` ({name, size, url}), each name a download link, and counts
// them in its data-count (which the tests wait for).
function showFiles(tbody, files) {
  const rows = files.map(({ name, size, url }) => {
    const row = document.createElement("tr");
    const link = Object.assign(document.createElement("a"), { href: url, download: name, textContent: name });
    const nameCell = document.createElement("td");
    nameCell.append(link);
    const sizeCell = Object.assign(document.createElement("td"), { className: "size", textContent: formatBytes(size) });
    row.append(nameCell, sizeCell);
    return row;
  });
  if (rows.length === 0) {
    rows.push(Object.assign(document.createElement("tr"), { innerHTML: '<td class="empty" colspan="2">No files yet.</td>' }));
  }
  tbody.replaceChildren(...rows);
  tbody.dataset.count = files.length;
}
