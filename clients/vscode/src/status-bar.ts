import * as vscode from 'vscode';
import type { OptimizeReport } from '../../../src/protocol/index.js';
import type { DaemonState } from './daemon-process.js';
import { statusBarText } from './format.js';

/** The last result (bytes saved, proved %); while the daemon restarts or has failed, that state instead. */
export class AtollStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('atoll.lastResult', vscode.StatusBarAlignment.Left, 10);
  private result = { text: '$(circle-outline) atoll', tooltip: 'atoll: no result yet' };

  constructor() {
    this.item.name = 'atoll';
    this.item.command = 'atoll.showOutput';
    this.showLastResult();
    this.item.show();
  }

  showResult(report: OptimizeReport, summary: string): void {
    this.result = { text: statusBarText(report), tooltip: summary };
    this.showLastResult();
  }

  showDaemonState(state: DaemonState, detail: string): void {
    if (state === 'failed') {
      this.item.text = '$(error) atoll daemon';
      this.item.tooltip = detail;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else if (state === 'restarting') {
      this.item.text = '$(sync~spin) atoll daemon';
      this.item.tooltip = detail;
      this.item.backgroundColor = undefined;
    } else {
      this.showLastResult();
    }
  }

  private showLastResult(): void {
    this.item.text = this.result.text;
    this.item.tooltip = this.result.tooltip;
    this.item.backgroundColor = undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
