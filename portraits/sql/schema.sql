-- Schemas and contract tables of the working database (idempotent).
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists ref;
create schema if not exists indicators;
create schema if not exists meta;
create schema if not exists directory;

create table if not exists meta.source (
    source_id    varchar primary key,  -- dataset id of sources/catalog.py
    publisher    varchar,
    url          varchar,              -- official URL (or the URL actually downloaded)
    licence      varchar,
    vintage      varchar,
    retrieved_at varchar,              -- ISO 8601 UTC
    sha256       varchar,
    bytes        bigint,
    rows         bigint,
    title        varchar,              -- French title, cited in the portraits
    page         varchar,              -- publisher's landing page
    layout       varchar,              -- 'official' or 'derived' (see sources/catalog.py)
    origin       varchar,              -- 'mirror' or 'http'
    note         varchar,
    columns      varchar               -- columns of the raw table, comma-separated (checked by the next build)
);

create table if not exists meta.build (
    build_id       varchar,
    started_at     varchar,
    finished_at    varchar,
    schema_version varchar,
    code_version   varchar
);

-- working databases created before the column existed
alter table meta.source add column if not exists columns varchar;
