/** A family's form read against a questionnaire's items (domain/questionnaire-answers.ts). */
import { answerField, checkAnswers, checkStoredAnswers } from '../../domain/questionnaire-answers';
import { QuestionnaireDefinition } from '../../domain/questionnaire';
import { sampleDefinition } from '../support/surveys';

const def = QuestionnaireDefinition.parse(sampleDefinition());
const form = (v: Record<string, string>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [answerField(k), x]));

test('each kind is read into its stored value; a blank optional item is left out', () => {
  expect(checkAnswers(def, form({ understanding: '5', talks: 'no', heard: 'email', comment: '' }))).toEqual({ ok: true, answers: { understanding: 5, talks: false, heard: 'email' } });
  expect(checkAnswers(def, form({ understanding: '1', talks: 'yes', heard: 'neighbour', comment: ' 很好 ' }))).toEqual({ ok: true, answers: { understanding: 1, talks: true, heard: 'neighbour', comment: '很好' } });
});

test('missing required items and values outside an item are named', () => {
  expect(checkAnswers(def, form({ talks: 'yes' }))).toEqual({ ok: false, missing: ['understanding', 'heard'], invalid: [] });
  expect(checkAnswers(def, form({ understanding: '6', talks: 'maybe', heard: 'radio', comment: 'x'.repeat(301) }))).toEqual({ ok: false, missing: [], invalid: ['understanding', 'talks', 'heard', 'comment'] });
  expect(checkAnswers(def, form({ understanding: '3', talks: 'yes', heard: 'email', comment: 'a\u202Eb' }))).toMatchObject({ ok: false, invalid: ['comment'] });
});

test('stored answers are checked the same way, and an unknown item is refused', () => {
  expect(checkStoredAnswers(def, { understanding: 4, talks: true, heard: 'email' }).ok).toBe(true);
  expect(checkStoredAnswers(def, { understanding: 4, talks: true, heard: 'email', extra: 1 })).toEqual({ ok: false, missing: [], invalid: ['extra'] });
});
