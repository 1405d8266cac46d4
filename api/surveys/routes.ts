/**
 * Questionnaires over the JSON API (coordinator), beside the pages (./pages.ts):
 *
 *   POST /api/questionnaires   { name?, definition } → 201 { questionnaireId, versionId, version };
 *                              a bad definition: 400 naming each field (`definition.items.0.labels`), nothing saved
 *   GET  /api/questionnaires   every questionnaire with its versions (never an answer)
 *
 * A cycle's questionnaires are set when it starts (POST /api/cycles: surveyQuestionnaireId,
 * baselineQuestionnaireId) or on its page.
 */
import { z } from 'zod';
import type { Repositories } from '../../db/repositories';
import { QuestionnaireDefinition } from '../../domain/questionnaire';
import { text } from '../../domain/text';
import { defineRoute, type Route } from '../http/define-route';
import { commonErrors } from '../http/feature-routes';

export const ImportQuestionnaireBody = z.strictObject({
  /** For staff; default: the zh-CN title. */
  name: text().trim().min(1).max(200).optional(),
  definition: QuestionnaireDefinition,
});

const Wording = z.object({ 'zh-CN': z.string(), en: z.string() });
export const QuestionnaireCreated = z.object({ questionnaireId: z.string(), versionId: z.string(), version: z.number().int() });
export const QuestionnaireList = z.object({
  questionnaires: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      createdAt: z.string(),
      versions: z.array(z.object({ id: z.string(), version: z.number().int(), createdAt: z.string(), title: Wording, items: z.number().int(), rounds: z.number().int() })),
    }),
  ),
});

export function surveyRoutes(deps: { repos: Repositories; now: () => number }): Route[] {
  const surveys = () => deps.repos.surveys({ now: () => new Date(deps.now()) });
  return [
    defineRoute({
      id: 'importQuestionnaire',
      method: 'post',
      path: '/api/questionnaires',
      summary: 'Import a questionnaire (title, consent, items in zh-CN and en) as its version 1',
      roles: ['coordinator'],
      body: { name: 'ImportQuestionnaireBody', schema: ImportQuestionnaireBody },
      responses: { 201: { description: 'Saved', schema: { name: 'QuestionnaireCreated', schema: QuestionnaireCreated } }, ...commonErrors },
      async handler({ body, staff, res }) {
        res.status(201).json(await surveys().createQuestionnaire({ ...(body.name ? { name: body.name } : {}), definition: body.definition, by: staff.staffId }));
      },
    }),
    defineRoute({
      id: 'listQuestionnaires',
      method: 'get',
      path: '/api/questionnaires',
      summary: 'Every questionnaire with its versions and how many rounds sent each',
      roles: ['coordinator'],
      responses: { 200: { description: '{ questionnaires }, newest first', schema: { name: 'QuestionnaireList', schema: QuestionnaireList } }, ...commonErrors },
      async handler({ res }) {
        res.json({ questionnaires: await surveys().listQuestionnaires() });
      },
    }),
  ];
}
