import assert from 'node:assert/strict';
import { agentFileName, caseFileStem, compareCaseIds, groupOf, isNumericId, reportSectionOf, sectionOf, sectionTitle } from '../../reports/names.js';

describe('reports/names', () => {
  describe('agentFileName', () => {
    it('lowercases and keeps letters and digits, as Autobahn does', () => {
      assert.equal(agentFileName('AutobahnServer'), 'autobahnserver');
    });

    it('turns every other character into "_" after trimming, without collapsing runs', () => {
      assert.equal(agentFileName('  ws/8.18 (node 20) '), 'ws_8_18__node_20');
      assert.equal(agentFileName('uWebSockets (broken build)'), 'uwebsockets__broken_build');
    });

    it('falls back to "agent" when nothing is left', () => {
      assert.equal(agentFileName(''), 'agent');
      assert.equal(agentFileName('../..'), 'agent');
      assert.equal(agentFileName('Ωμέγα'), 'agent');
    });
  });

  describe('caseFileStem', () => {
    it("replaces the dots of a numeric ID, giving Autobahn's file names", () => {
      assert.equal(caseFileStem('AutobahnServer', '1.1.1'), 'autobahnserver_case_1_1_1');
      assert.equal(caseFileStem('ws', '12.1.18'), 'ws_case_12_1_18');
    });

    it('replaces every character outside [a-z0-9] in our own IDs', () => {
      assert.equal(caseFileStem('ws', 'handshake.key.missing'), 'ws_case_handshake_key_missing');
    });

    it('cannot name a file outside the output directory', () => {
      for (const [agent, id] of [
        ['../../etc/passwd', '../x'],
        ['a/b\\c', '..\\..\\y'],
        ['\u0000', '/abs/path'],
        ['<script>', 'x\ny'],
      ]) {
        assert.match(caseFileStem(agent as string, id as string), /^[a-z0-9_]+$/);
      }
    });

    it('keeps long names under 200 characters and still tells them apart', () => {
      const a = caseFileStem('x'.repeat(500), '1.1.1');
      const b = caseFileStem('x'.repeat(499), '1.1.1');
      assert.ok(a.length <= 200);
      assert.notEqual(a, b);
      assert.match(a, /^[a-z0-9_]+$/);
    });
  });

  it('sectionOf and groupOf split IDs on dots', () => {
    assert.equal(sectionOf('6.4.1'), '6');
    assert.equal(sectionOf('handshake.key.missing'), 'handshake');
    assert.equal(sectionOf('x'), 'x');
    assert.equal(groupOf('6.4.1'), '6.4');
    assert.equal(groupOf('2.1'), '2');
    assert.equal(groupOf('handshake.key.missing'), 'handshake.key');
  });

  it('reportSectionOf lists api.* cases by family and every other case by its first component', () => {
    assert.equal(reportSectionOf('api.close.code.1000'), 'api.close');
    assert.equal(reportSectionOf('api.server-close.invalid-code.1005'), 'api.server-close');
    assert.equal(reportSectionOf('api.ready-state'), 'api.ready-state');
    assert.equal(reportSectionOf('api'), 'api');
    for (const id of ['6.4.1', '2.1', '13.7.18', 'handshake.key.missing', 'closecode.1005', 'frame.rsv.1', 'fuzz.seq.3', 'browser.close.9', 'apis.x.y', 'x']) {
      assert.equal(reportSectionOf(id), sectionOf(id), id);
    }
  });

  it('lists a case run in a worker with its family, right after the case it varies', () => {
    assert.equal(reportSectionOf('api.server-drop@worker'), 'api.server-drop');
    assert.equal(reportSectionOf('api.close.code.999@sharedworker'), 'api.close');
    const ids = ['api.server-drop-x', 'api.server-drop.after-message@worker', 'api.server-drop@sharedworker', 'api.server-drop.after-message', 'api.server-drop@worker', 'api.server-drop'];
    assert.deepEqual([...ids].sort(compareCaseIds), [
      'api.server-drop',
      'api.server-drop@worker',
      'api.server-drop@sharedworker',
      'api.server-drop.after-message',
      'api.server-drop.after-message@worker',
      'api.server-drop-x',
    ]);
    assert.ok(compareCaseIds('api.close.code.999@worker', 'api.close.code.1000') < 0);
    assert.notEqual(caseFileStem('a', 'api.close.code.999@worker'), caseFileStem('a', 'api.close.code.999'));
  });

  it('isNumericId tells Autobahn IDs from ours', () => {
    assert.equal(isNumericId('13.7.18'), true);
    assert.equal(isNumericId('browser.close.1'), false);
  });

  describe('compareCaseIds', () => {
    it('orders numeric IDs by integer tuple, not as strings', () => {
      const ids = ['10.1.1', '2.1', '1.1.10', '12.1.1', '1.1.2', '1.1.1', '9.10.1', '9.9.1', '1.2'];
      assert.deepEqual([...ids].sort(compareCaseIds), ['1.1.1', '1.1.2', '1.1.10', '1.2', '2.1', '9.9.1', '9.10.1', '10.1.1', '12.1.1']);
    });

    it('puts our prefixed IDs after the numeric ones, alphabetically', () => {
      const ids = ['handshake.key.missing', '13.7.18', 'browser.close.10', 'browser.close.9', '1.1.1', 'browser.api'];
      assert.deepEqual([...ids].sort(compareCaseIds), ['1.1.1', '13.7.18', 'browser.api', 'browser.close.9', 'browser.close.10', 'handshake.key.missing']);
    });

    it('is 0 only for equal IDs', () => {
      assert.equal(compareCaseIds('6.4.1', '6.4.1'), 0);
      assert.notEqual(compareCaseIds('6.4', '6.4.1'), 0);
    });
  });

  it('sectionTitle names known sections and echoes unknown ones, even "constructor"', () => {
    assert.equal(sectionTitle('6'), 'UTF-8');
    assert.equal(sectionTitle('constructor'), 'constructor');
    assert.equal(sectionTitle('__proto__'), '__proto__');
    assert.equal(sectionTitle('api.close'), 'close(): codes, reasons, states');
    assert.equal(sectionTitle('api.something-new'), sectionTitle('api'));
    assert.equal(sectionTitle('handshake'), 'Opening handshake');
  });
});
