/**
 * Professional volunteers (migration 016): a volunteer's profession is kept, changed and cleared
 * through the directory and its CSV import on SQLite and PostgreSQL; bad text is refused naming the
 * field and the row, and nothing is written.
 */
import { CsvImportError, Directory } from '../../db/services/directory';
import { InvalidInputError } from '../../db/util';
import { DIALECTS, uniq, useTestDatabase } from './harness';

describe.each(DIALECTS)('volunteer profession on %s', (dialect) => {
  const t = useTestDatabase(dialect);

  it('is kept on create, changed and cleared on update; a volunteer without one has null', async () => {
    const dir = new Directory(t.db);
    const id = uniq('v');
    expect(await dir.createVolunteer({ id, name: '何老师', email: `${id}@example.test`, profession: ' 家庭教育指导师 ' })).toMatchObject({ profession: '家庭教育指导师' });
    expect(await dir.updateVolunteer(id, { profession: '心理咨询师' })).toMatchObject({ profession: '心理咨询师', name: '何老师' });
    expect(await dir.updateVolunteer(id, { profession: null })).toMatchObject({ profession: null });
    const plain = await dir.createVolunteer({ id: `${id}-2`, name: '周志愿', email: `${id}-2@example.test` });
    expect(plain.profession).toBeNull();
    expect((await t.db.selectFrom('volunteers').select('profession').where('id', '=', id).executeTakeFirstOrThrow()).profession).toBeNull();
  });

  it('refuses a profession with control characters or over 100 characters, naming the field', async () => {
    const dir = new Directory(t.db);
    const id = uniq('v');
    await expect(dir.createVolunteer({ id, name: '何老师', email: `${id}@example.test`, profession: '指导\u0007师' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(dir.createVolunteer({ id, name: '何老师', email: `${id}@example.test`, profession: '师'.repeat(101) })).rejects.toThrow(/profession/);
    expect(await dir.getVolunteer(id)).toBeUndefined();
  });

  it('is imported from CSV (empty cell: none), and a bad row imports nothing', async () => {
    const dir = new Directory(t.db);
    const a = uniq('va');
    const b = uniq('vb');
    const result = await dir.importCsv('volunteers', `id,name,email,profession\n${a},何老师,${a}@example.test,家庭教育指导师\n${b},周志愿,${b}@example.test,\n`);
    expect(result).toMatchObject({ imported: 2, created: 2 });
    expect((await dir.getVolunteer(a))?.profession).toBe('家庭教育指导师');
    expect((await dir.getVolunteer(b))?.profession).toBeNull();
    const c = uniq('vc');
    const bad = dir.importCsv('volunteers', `id,name,email,profession\n${c},吴老师,${c}@example.test,律师\n${a},何老师,${a}@example.test,${'师'.repeat(101)}\n`);
    await expect(bad).rejects.toBeInstanceOf(CsvImportError);
    await expect(bad).rejects.toMatchObject({ rows: [{ line: 3, reason: expect.stringContaining('profession') }] });
    expect(await dir.getVolunteer(c)).toBeUndefined();
    expect((await dir.getVolunteer(a))?.profession).toBe('家庭教育指导师');
  });
});
