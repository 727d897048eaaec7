import * as vscode from 'vscode';

const WASM_FILTER = { WebAssembly: ['wasm'] };

function isWasm(uri: vscode.Uri | undefined): uri is vscode.Uri {
  return uri !== undefined && uri.scheme === 'file' && uri.fsPath.toLowerCase().endsWith('.wasm');
}

/** The `.wasm` shown in the active tab (VS Code opens binaries in a custom or text editor, never in activeTextEditor alone). */
function activeWasm(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return isWasm(input.uri) ? input.uri : undefined;
  return undefined;
}

/** The module a command acts on: the one clicked in the explorer, else the active tab's, else one the user picks. */
export async function wasmTarget(clicked: vscode.Uri | undefined, title: string): Promise<vscode.Uri | undefined> {
  if (isWasm(clicked)) return clicked;
  const active = activeWasm();
  if (active) return active;
  return pickWasm(title);
}

export async function pickWasm(title: string, defaultUri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, filters: WASM_FILTER, canSelectMany: false, ...(defaultUri ? { defaultUri } : {}) });
  return picked?.[0];
}

/** Two modules selected together in the explorer: ask which one is the base, since selection order says nothing. */
export async function orderPair(first: vscode.Uri, second: vscode.Uri): Promise<{ base: vscode.Uri; candidate: vscode.Uri } | undefined> {
  const items = [first, second].map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }));
  const base = await vscode.window.showQuickPick(items, { title: 'atoll: which module is the base (before optimization)?' });
  if (!base) return undefined;
  return { base: base.uri, candidate: base.uri === first ? second : first };
}

export function selectedPair(uris: readonly vscode.Uri[] | undefined): [vscode.Uri, vscode.Uri] | undefined {
  const wasm = (uris ?? []).filter(isWasm);
  return wasm.length === 2 ? [wasm[0]!, wasm[1]!] : undefined;
}
