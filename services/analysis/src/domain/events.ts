import { EventEmitter } from "node:events";

/**
 * In-process progress notifications: a worker announces a change of an analysis, SSE streams
 * of this instance hear it at once. Streams also poll the database, so progress made by a
 * worker in another instance reaches them too.
 */
export class ProgressHub {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  changed(analysisId: string): void {
    this.emitter.emit(analysisId);
  }

  subscribe(analysisId: string, listener: () => void): () => void {
    this.emitter.on(analysisId, listener);
    return () => this.emitter.off(analysisId, listener);
  }
}
