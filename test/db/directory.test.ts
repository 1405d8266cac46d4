import { CsvSyntaxError, parseCsv } from '../../lib/csv';
import { CsvImportError, Directory, DirectoryError } from '../../db/services/directory';
import { DIALECTS, uniq, useTestDatabase } from './harness';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and numbers records by their first line', () => {
    const text = '\uFEFFid,name,note\r\n1,"Wang, Li","said ""hi"""\r\n\r\n2,"two\nlines",x\n3, spaced ,\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['id', 'name', 'note'] },
      { line: 2, fields: ['1', 'Wang, Li', 'said "hi"'] },
      { line: 4, fields: ['2', 'two\nlines', 'x'] },
      { line: 6, fields: ['3', 'spaced', ''] },
    ]);
  });

  it('reports an unclosed quote and a stray quote with their line', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3')).toThrow(new CsvSyntaxError(2, 'a quoted field is not closed'));
    expect(() => parseCsv('a,b\n1,x"y')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a,b\n1,"x"y')).toThrow(/line 2/);
  });
});

describe.each(DIALECTS)('directory on %s', (dialect) => {
  const t = useTestDatabase(dialect);

  async function compound(): Promise<string> {
    const id = uniq('c');
    await new Directory(t.db).createCompound({ id, name: `小区 ${id}` });
    return id;
  }

  it('creates, updates and lists each kind of record', async () => {
    const dir = new Directory(t.db);
    const c = await compound();
    const family = await dir.createFamily({ id: `${c}-f1`, compoundId: c, name: '王家', email: 'wang@example.com', members: 3 });
    expect(family).toMatchObject({ id: `${c}-f1`, compoundId: c, locale: 'zh-CN', members: 3 });
    expect(family.qrToken).toMatch(/^[0-9A-Z]{20}$/);
    expect(await dir.updateFamily(family.id, { members: 4, locale: 'en' })).toMatchObject({ members: 4, locale: 'en', name: '王家', qrToken: family.qrToken });
    expect(await dir.listFamilies({ compoundId: c })).toEqual([{ ...family, members: 4, locale: 'en' }]);

    const staff = await dir.createStaff({ id: `${c}-gw`, role: 'gridWorker', name: '李网格', email: 'li@example.com', compoundId: c });
    expect(staff).toEqual({ id: `${c}-gw`, role: 'gridWorker', name: '李网格', email: 'li@example.com', locale: 'zh-CN', compoundId: c, active: true });
    expect(await dir.updateStaff(staff.id, { compoundId: null })).toMatchObject({ compoundId: null });
    expect((await dir.listStaff({ role: 'gridWorker' })).map((s) => s.id)).toContain(staff.id);

    const merchant = await dir.createMerchant({ id: `${c}-m`, name: '万达', email: 'wanda@example.com' });
    const venue = await dir.createVenue({ id: `${c}-v`, merchantId: merchant.id, name: '万达广场中庭', capacity: 200 });
    expect(venue).toEqual({ id: `${c}-v`, merchantId: merchant.id, name: '万达广场中庭', capacity: 200, active: true });
    expect(await dir.listVenues({ merchantId: merchant.id })).toEqual([venue]);
    const volunteer = await dir.createVolunteer({ id: `${c}-vol`, name: '张志愿', email: 'zhang@example.com' });
    expect(volunteer.compoundId).toBeNull();
    expect(await dir.updateCompound(c, { name: '锦华苑' })).toEqual({ id: c, name: '锦华苑', active: true });
  });

  it('refuses duplicates, unknown references, unknown ids and invalid input with typed errors', async () => {
    const dir = new Directory(t.db);
    const c = await compound();
    await expect(dir.createCompound({ id: c, name: 'again' })).rejects.toMatchObject({ code: 'DUPLICATE' });
    await expect(dir.createFamily({ id: uniq('f'), compoundId: 'nowhere', name: 'x', email: 'x@example.com' })).rejects.toMatchObject({
      code: 'UNKNOWN_REFERENCE',
    });
    await expect(dir.updateMerchant('nobody', { name: 'x' })).rejects.toBeInstanceOf(DirectoryError);
    await expect(dir.createFamily({ id: uniq('f'), compoundId: c, name: 'x', email: 'not-an-email' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ field: 'email', message: expect.any(String) }],
    });
  });

  it('a CSV with one bad row imports nothing and names the row', async () => {
    const dir = new Directory(t.db);
    const c = await compound();
    const csv = [
      'id,compound_id,name,email,members,locale',
      `${c}-a,${c},"Zhao, family",zhao@example.com,3,zh-CN`,
      `${c}-b,${c},钱家,qian@example.com,2,en`,
      `${c}-c,${c},孙家,not-an-email,2,`,
      `${c}-d,${c},李家,li@example.com,,`,
    ].join('\n');
    let error: unknown;
    try {
      await dir.importCsv('families', csv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvImportError);
    const err = error as CsvImportError;
    expect(err.code).toBe('CSV_INVALID');
    expect(err.rows).toEqual([{ line: 4, reason: expect.stringMatching(/^email: /) }]);
    expect(err.message).toMatch(/line 4: email/);
    expect(await dir.listFamilies({ compoundId: c })).toEqual([]);

    // Fixed, the same file imports every row in one go.
    const result = await dir.importCsv('families', csv.replace('not-an-email', 'sun@example.com'));
    expect(result).toEqual({ imported: 4, created: 4, updated: 0 });
    const families = await dir.listFamilies({ compoundId: c });
    expect(families.map((f) => [f.id, f.name, f.members, f.locale])).toEqual([
      [`${c}-a`, 'Zhao, family', 3, 'zh-CN'],
      [`${c}-b`, '钱家', 2, 'en'],
      [`${c}-c`, '孙家', 2, 'zh-CN'],
      [`${c}-d`, '李家', 1, 'zh-CN'],
    ]);
  });

  it('lists every bad row: bad values, wrong field counts, duplicate ids, unknown references', async () => {
    const dir = new Directory(t.db);
    const c = await compound();
    const csv = [
      'compoundId,id,name,email,members', // any order, camelCase accepted
      `${c},${c}-a,A,a@example.com,2`,
      `${c},${c}-b,B,b@example.com,many`,
      `${c},${c}-c,C`,
      `${c},${c}-a,A again,a2@example.com,1`,
      `nowhere,${c}-e,E,e@example.com,1`,
      `${c},bad id!,F,f@example.com,1`,
    ].join('\r\n');
    await expect(dir.importCsv('families', csv)).rejects.toMatchObject({
      rows: [
        { line: 3, reason: expect.stringMatching(/^members: /) },
        { line: 4, reason: 'has 3 field(s); the header has 5' },
        { line: 5, reason: `id ${c}-a is also on line 2` },
        { line: 6, reason: 'compoundId: no compound nowhere' },
        { line: 7, reason: expect.stringMatching(/^id: /) },
      ],
    });
    expect(await dir.listFamilies({ compoundId: c })).toEqual([]);
  });

  it('checks the header: required, unknown and repeated columns', async () => {
    const dir = new Directory(t.db);
    await expect(dir.importCsv('staff', '')).rejects.toMatchObject({ rows: [{ line: 1, reason: expect.stringMatching(/header row is required/) }] });
    await expect(dir.importCsv('staff', 'id,name,email,colour\n')).rejects.toMatchObject({
      rows: [{ line: 1, reason: expect.stringMatching(/unknown column "colour".*missing column\(s\): role/) }],
    });
    await expect(dir.importCsv('merchants', 'id,name,name,email\n')).rejects.toMatchObject({ rows: [{ line: 1, reason: expect.stringMatching(/appears twice/) }] });
    await expect(dir.importCsv('merchants', 'id,name,email\nm1,"unclosed,x@example.com\n')).rejects.toMatchObject({
      rows: [{ line: 2, reason: 'a quoted field is not closed' }],
    });
  });

  it('updates existing rows by id, keeping a QR token the file does not give', async () => {
    const dir = new Directory(t.db);
    const c = await compound();
    const existing = await dir.createVolunteer({ id: `${c}-v1`, name: 'Old', email: 'old@example.com', compoundId: c });
    const result = await dir.importCsv(
      'volunteers',
      `id,name,email,compound_id,qr_token\n${c}-v1,New,new@example.com,,\n${c}-v2,Two,two@example.com,${c},token-${c}-v2\n`,
    );
    expect(result).toEqual({ imported: 2, created: 1, updated: 1 });
    expect(await dir.getVolunteer(`${c}-v1`)).toEqual({ ...existing, name: 'New', email: 'new@example.com', compoundId: null });
    expect((await dir.getVolunteer(`${c}-v2`))?.qrToken).toBe(`token-${c}-v2`);
    await expect(
      dir.importCsv('volunteers', `id,name,email,qr_token\n${c}-v3,Three,three@example.com,token-${c}-v2\n`),
    ).rejects.toMatchObject({ rows: [{ line: 2, reason: `qrToken is already used by volunteer ${c}-v2` }] });
  });

  it('imports staff, merchants, venues and compounds', async () => {
    const dir = new Directory(t.db);
    const p = uniq('imp');
    expect(await dir.importCsv('compounds', `id,name\n${p}-c,锦华苑\n`)).toMatchObject({ imported: 1 });
    expect(await dir.importCsv('staff', `id,role,name,email,compound_id\n${p}-s,coordinator,协调人,co@example.com,${p}-c\n`)).toMatchObject({ imported: 1 });
    await expect(dir.importCsv('staff', `id,role,name,email\n${p}-s2,mayor,X,x@example.com\n`)).rejects.toMatchObject({ rows: [{ line: 2, reason: expect.stringMatching(/^role: /) }] });
    expect(await dir.importCsv('merchants', `id,name,email\n${p}-m,万达,w@example.com\n`)).toMatchObject({ imported: 1 });
    expect(await dir.importCsv('venues', `id,merchant_id,name,capacity\n${p}-v,${p}-m,中庭,120\n${p}-v2,,社区活动室,\n`)).toMatchObject({ imported: 2 });
    expect(await dir.listVenues({ merchantId: `${p}-m` })).toEqual([{ id: `${p}-v`, merchantId: `${p}-m`, name: '中庭', capacity: 120, active: true }]);
  });

  it('deactivates a record without deleting it: lists show it inactive, pickers leave it out, and a staff member’s sessions end', async () => {
    const dir = new Directory(t.db);
    const c = await compound();
    const staff = await dir.createStaff({ id: `${c}-pm`, role: 'propertyManager', name: '周管家', email: 'zhou@example.com', compoundId: c });
    const at = new Date().toISOString();
    await t.db.insertInto('sessions').values({ id_hash: `${c}-h`, staff_id: staff.id, role: 'propertyManager', compound_id: c, created_at: at, expires_at: '2999-01-01T00:00:00.000Z' }).execute();
    expect(await dir.deactivate('staff', staff.id, at)).toMatchObject({ id: staff.id, active: false });
    // A second deactivation keeps the first instant.
    await dir.deactivate('staff', staff.id, '2999-01-01T00:00:00.000Z');
    expect(await t.db.selectFrom('staff').select('deactivated_at').where('id', '=', staff.id).executeTakeFirstOrThrow()).toEqual({ deactivated_at: at });
    expect(await t.db.selectFrom('sessions').select('id_hash').where('staff_id', '=', staff.id).execute()).toEqual([]);
    expect((await dir.listStaff({ compoundId: c })).map((s) => [s.id, s.active])).toEqual([[staff.id, false]]);
    expect(await dir.listStaff({ compoundId: c, activeOnly: true })).toEqual([]);
    expect(await dir.reactivate('staff', staff.id)).toMatchObject({ active: true });
    expect(await dir.listStaff({ compoundId: c, activeOnly: true })).toHaveLength(1);
    await expect(dir.deactivate('staff', `${c}-nobody`, at)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('previews a CSV import row by row without writing anything, and refuses a bad file the same way the import does', async () => {
    const dir = new Directory(t.db);
    const c = await compound();
    await dir.createFamily({ id: `${c}-f1`, compoundId: c, name: '王家', email: 'wang@example.com' });
    const families = async () => (await dir.listFamilies({ compoundId: c })).length;
    const preview = await dir.previewCsv('families', `id,compoundId,name,email\n${c}-f1,${c},王家,wang2@example.com\n${c}-f2,${c},李家,li@example.com\n`);
    expect(preview.map((r) => [r.line, r.record.id, r.exists])).toEqual([
      [2, `${c}-f1`, true],
      [3, `${c}-f2`, false],
    ]);
    expect(await families()).toBe(1);
    const bad = `id,compoundId,name,email\n${c}-f3,${c},赵家,not-an-address\n`;
    await expect(dir.previewCsv('families', bad)).rejects.toMatchObject({ rows: [{ line: 2, reason: expect.stringMatching(/^email: /) }] });
    await expect(dir.importCsv('families', bad)).rejects.toMatchObject({ rows: [{ line: 2, reason: expect.stringMatching(/^email: /) }] });
    expect(await families()).toBe(1);
  });
});
