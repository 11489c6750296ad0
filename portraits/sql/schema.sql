-- Schemas and contract tables of the working database (idempotent).
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists ref;
create schema if not exists indicators;
create schema if not exists meta;

create table if not exists meta.source (
    source_id    varchar primary key,  -- dataset id of sources/catalog.py
    title        varchar,
    publisher    varchar,
    url          varchar,              -- official URL (or the URL actually downloaded)
    page         varchar,              -- publisher's landing page
    licence      varchar,
    vintage      varchar,
    layout       varchar,              -- 'official' or 'derived' (see sources/catalog.py)
    origin       varchar,              -- 'mirror' or 'http'
    retrieved_at varchar,              -- ISO 8601 UTC
    sha256       varchar,
    bytes        bigint,
    rows         bigint,
    note         varchar
);

create table if not exists meta.build (
    build_id       varchar,
    started_at     varchar,
    finished_at    varchar,
    schema_version varchar,
    code_version   varchar
);
