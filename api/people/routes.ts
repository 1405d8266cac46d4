/**
 * The directory API (coordinator): create, update and list compounds, families (households with
 * their member count), staff, volunteers, merchants and venues, and import any of them from CSV.
 *
 *   GET  /api/directory/:entity              list (filters: compoundId, role, merchantId)
 *   POST /api/directory/:entity              create → 201
 *   POST /api/directory/:entity/import       text/csv, all or nothing → 200 {imported} or 400 naming each bad line
 *   POST /api/directory/:entity/:id          update the fields given → 200
 *   POST /api/directory/:entity/:id/deactivate   kept with its history, no longer picked → 200
 *   POST /api/directory/:entity/:id/reactivate   active again → 200
 *
 * `:entity` is one of compounds, families, staff, volunteers, merchants, venues. "import" is the
 * import route, so a record whose id is literally `import` is updated by CSV, not by this route.
 */
import type { Request } from 'express';
import { z } from 'zod';
import {
  CompoundInput,
  Directory,
  FamilyInput,
  MerchantInput,
  StaffInput,
  VenueInput,
  VolunteerInput,
  type DirectoryEntity,
} from '../../db/services/directory';
import type { Repositories } from '../../db/repositories';
import { HttpError, parseOr400 } from '../http/errors';
import { defineRoute, type Route } from '../http/define-route';
import { commonErrors, errorDoc } from '../http/feature-routes';
import { Id } from '../activities/schemas';

/** CSV uploads above this are refused with 413 (about 10,000 families fit in it). */
export const CSV_LIMIT = '2mb';

const ENTITIES = ['compounds', 'families', 'staff', 'volunteers', 'merchants', 'venues'] as const satisfies readonly DirectoryEntity[];
const EntityParam = z.object({ entity: z.enum(ENTITIES) });

const CREATE: Record<DirectoryEntity, z.ZodObject> = {
  compounds: CompoundInput,
  families: FamilyInput,
  staff: StaffInput,
  volunteers: VolunteerInput,
  merchants: MerchantInput,
  venues: VenueInput,
};

export const DirectoryEntryBody = z.union([
  z.strictObject(CompoundInput.shape),
  z.strictObject(FamilyInput.shape),
  z.strictObject(StaffInput.shape),
  z.strictObject(VolunteerInput.shape),
  z.strictObject(MerchantInput.shape),
  z.strictObject(VenueInput.shape),
]);

/** An update: any of the fields of one list's records but the id (which list is the path's `:entity`). */
export const DirectoryPatchBody = z
  .union(ENTITIES.map((entity) => z.strictObject(CREATE[entity].omit({ id: true }).partial().shape)))
  .meta({ description: 'The fields to change, those of the records of the list the path names (:entity); the id cannot change.' });

export const DirectoryListQuery = z.strictObject({
  compoundId: Id.optional(),
  role: z.enum(['propertyManager', 'gridWorker', 'coordinator', 'supervisor']).optional(),
  merchantId: Id.optional(),
});

export const ImportResponse = z.object({ imported: z.number().int(), created: z.number().int(), updated: z.number().int() });

const notFound = errorDoc('No directory list with this name (compounds, families, staff, volunteers, merchants, venues), or no record with this id');

export interface DirectoryRoutesDeps {
  repos: Repositories;
  /** Epoch ms: when a record is deactivated. */
  now: () => number;
}

export const ActiveResponse = z.object({ id: z.string(), name: z.string(), active: z.boolean() });

function entityOf(req: Request): DirectoryEntity {
  const parsed = EntityParam.safeParse(req.params);
  if (!parsed.success) {
    throw new HttpError(404, 'NotFound', `No directory list "${String(req.params.entity)}"; use one of ${ENTITIES.join(', ')}`);
  }
  return parsed.data.entity;
}

/** The directory's routes. */
export function directoryRoutes(deps: DirectoryRoutesDeps): Route[] {
  const directory = deps.repos.directory;
  return [
    defineRoute({
      id: 'listDirectory',
      method: 'get',
      path: '/api/directory/:entity',
      summary: 'List compounds, families, staff, volunteers, merchants or venues (filters: compoundId, role, merchantId)',
      roles: ['coordinator'],
      query: DirectoryListQuery,
      responses: { 200: { description: '{ items }, by id' }, ...commonErrors, 404: notFound },
      async handler({ query: q, req, res }) {
        const entity = entityOf(req);
        const items =
          entity === 'compounds'
            ? await directory.listCompounds()
            : entity === 'families'
              ? await directory.listFamilies({ ...(q.compoundId ? { compoundId: q.compoundId } : {}) })
              : entity === 'staff'
                ? await directory.listStaff({ ...(q.compoundId ? { compoundId: q.compoundId } : {}), ...(q.role ? { role: q.role } : {}) })
                : entity === 'volunteers'
                  ? await directory.listVolunteers({ ...(q.compoundId ? { compoundId: q.compoundId } : {}) })
                  : entity === 'merchants'
                    ? await directory.listMerchants()
                    : await directory.listVenues({ ...(q.merchantId ? { merchantId: q.merchantId } : {}) });
        res.json({ items });
      },
    }),
    defineRoute({
      id: 'createDirectoryEntry',
      method: 'post',
      path: '/api/directory/:entity',
      summary: 'Create a compound, family (household: members), staff member, volunteer, merchant or venue',
      roles: ['coordinator'],
      documentedBody: { name: 'DirectoryEntryBody', schema: DirectoryEntryBody },
      responses: {
        201: { description: 'Created: the record' },
        ...commonErrors,
        404: notFound,
        409: errorDoc('DUPLICATE: the id (or QR token) is taken'),
        422: errorDoc('UNKNOWN_REFERENCE: the compound or merchant does not exist'),
      },
      async handler({ req, res }) {
        const entity = entityOf(req);
        const body = parseOr400(z.strictObject(CREATE[entity].shape), req.body, 'request body');
        const created = await directory.createRecord(entity, body);
        res.status(201).json(created);
      },
    }),
    defineRoute({
      id: 'importDirectoryCsv',
      method: 'post',
      path: '/api/directory/:entity/import',
      summary: `Import from CSV (Content-Type: text/csv, at most ${CSV_LIMIT}; header row of field names; rows created or updated by id). All or nothing.`,
      roles: ['coordinator'],
      responses: {
        200: { description: 'Imported', schema: { name: 'ImportResponse', schema: ImportResponse } },
        400: errorDoc('CSV_INVALID: nothing was imported; details lists each bad row as { line, reason }'),
        401: commonErrors[401],
        403: commonErrors[403],
        404: notFound,
        413: errorDoc('The file is larger than the limit'),
        415: errorDoc('The body is not text/csv'),
      },
      textBody: {
        mediaTypes: ['text/csv', 'application/csv', 'text/plain'],
        limit: CSV_LIMIT,
        description: 'The CSV file (UTF-8): a header row of field names, then one record a row',
        unsupportedMessage: 'Send the file as the request body with Content-Type: text/csv (UTF-8)',
      },
      async handler({ req, res }) {
        const entity = entityOf(req);
        if (typeof req.body !== 'string') {
          throw new HttpError(415, 'UnsupportedMediaType', 'Send the file as the request body with Content-Type: text/csv (UTF-8)');
        }
        res.json(await directory.importCsv(entity, req.body));
      },
    }),
    defineRoute({
      id: 'updateDirectoryEntry',
      method: 'post',
      path: '/api/directory/:entity/:id',
      summary: 'Update a directory record: only the fields given change',
      roles: ['coordinator'],
      documentedBody: { name: 'DirectoryPatchBody', schema: DirectoryPatchBody },
      responses: {
        200: { description: 'The record after the change' },
        ...commonErrors,
        404: notFound,
        409: errorDoc('DUPLICATE: the QR token is taken'),
        422: errorDoc('UNKNOWN_REFERENCE: the compound or merchant does not exist'),
      },
      async handler({ req, res }) {
        const entity = entityOf(req);
        const { id } = parseOr400(z.object({ id: Id }), { id: req.params.id }, 'id');
        // The service validates each field (and keeps what is not given); refuse unknown fields here.
        const allowed = Object.keys(CREATE[entity].shape).filter((k) => k !== 'id');
        // A bare POST (no body) is an empty change, as a body of {} is: the record comes back unchanged.
        const patch = (req.body ?? {}) as typeof req.body;
        parseOr400(z.strictObject(Object.fromEntries(allowed.map((k) => [k, z.unknown().optional()]))), patch, 'request body');
        const updated = await directory.updateRecord(entity, id, patch);
        res.json(updated);
      },
    }),
    ...(['deactivate', 'reactivate'] as const).map((change) =>
      defineRoute({
        id: change === 'deactivate' ? 'deactivateDirectoryEntry' : 'reactivateDirectoryEntry',
        method: 'post',
        path: `/api/directory/:entity/:id/${change}`,
        summary:
          change === 'deactivate'
            ? 'Deactivate a directory record: kept with its history, no longer picked; deactivated staff can no longer sign in or use API tokens'
            : 'Make a deactivated directory record active again',
        roles: ['coordinator'],
        responses: { 200: { description: 'The record, with active', schema: { name: 'DirectoryActiveResponse', schema: ActiveResponse } }, ...commonErrors, 404: notFound },
        async handler({ req, res }) {
          const entity = entityOf(req);
          const { id } = parseOr400(z.object({ id: Id }), { id: req.params.id }, 'id');
          res.json(change === 'deactivate' ? await directory.deactivate(entity, id, new Date(deps.now()).toISOString()) : await directory.reactivate(entity, id));
        },
      }),
    ),
  ];
}
