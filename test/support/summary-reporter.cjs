'use strict';
/**
 * Mocha's Spec reporter plus a closing line `N passed, M failed`, which is what CI reads
 * (mocha's own "N passing" is neither stable wording nor the last line).
 */
const { reporters } = require('mocha');

const { Base, Spec } = reporters;

class SummaryReporter extends Spec {
  epilogue() {
    super.epilogue();
    const { passes = 0, failures = 0, pending = 0 } = this.stats;
    if (pending > 0) Base.consoleLog(`${pending} pending`);
    Base.consoleLog(`${passes} passed, ${failures} failed`);
  }
}

module.exports = SummaryReporter;
