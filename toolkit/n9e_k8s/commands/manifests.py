"""`n9e-k8s manifests`: render the collection set-up (Prometheus agent -> n9e remote write) as YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import EXIT_ERROR, SourceOption, err, handle_errors


def register(app: typer.Typer) -> None:
    @app.command("manifests")
    def manifests(
        remote_write_url: Annotated[
            str,
            typer.Option(
                "--remote-write-url",
                help="n9e's Prometheus remote write endpoint, e.g. http://n9e:17000/prometheus/v1/write.",
            ),
        ],
        namespace: Annotated[str, typer.Option("--namespace", help="Namespace of the agent.")] = "flashcat",
        cluster: Annotated[
            str | None,
            typer.Option(
                "--cluster",
                help="Value of the cluster label (name from promql/config.yaml) added to every series.",
            ),
        ] = None,
        basic_auth_secret: Annotated[
            str | None,
            typer.Option(
                "--basic-auth-secret",
                help="Secret with keys `username` and `password` for remote write basic auth "
                "(create it with kubectl; it is mounted, never inlined).",
            ),
        ] = None,
        component_ca_configmap: Annotated[
            str | None,
            typer.Option(
                "--component-ca-configmap",
                help="ConfigMap (key ca.crt) with the CA of the controller-manager's and scheduler's "
                "serving certificates; without it those jobs skip TLS verification.",
            ),
        ] = None,
        client_cert_secret: Annotated[
            str | None,
            typer.Option(
                "--client-cert-secret",
                help="Secret (keys ca.crt, tls.crt, tls.key) for the jobs with `tls: client-cert` "
                "(servers that authenticate clients by certificate), instead of the `secret` promql/config.yaml names.",
            ),
        ] = None,
        keep: Annotated[
            str | None,
            typer.Option(
                "--keep",
                help="Series the scrape jobs keep: used (what the catalog, boards and rules read) or all "
                "(no metric_relabel_configs). Default: collection.keep of promql/config.yaml.",
            ),
        ] = None,
        agent: Annotated[
            str,
            typer.Option(
                "--agent",
                help="The collector: `prometheus` (Prometheus in agent mode) or `vmagent` (VictoriaMetrics "
                "vmagent, the same scrape jobs).",
            ),
        ] = "prometheus",
        out: Annotated[
            str,
            typer.Option(
                "--out", help="`-` for one YAML stream on stdout, or a directory for one file per object."
            ),
        ] = "-",
        k8s_version: Annotated[
            str,
            typer.Option(
                "--k8s-version", help="Kubernetes version whose schemas the objects are checked against."
            ),
        ] = "1.34",
        validate: Annotated[
            bool,
            typer.Option(
                "--validate/--no-validate",
                help="Check the objects (Kubernetes schemas, strict, when kubernetes-validate is installed).",
            ),
        ] = True,
        source: SourceOption = None,
    ) -> None:
        """Render Namespace, RBAC, agent ConfigMap and Deployment, and the control-plane headless Services."""
        from ..build import BUILD_PARTS, write_all
        from ..errors import UsageError
        from ..k8s_validate import validate_manifests_best_effort
        from ..keep import keep_lists
        from ..manifests import (
            ManifestOptions,
            dump_yaml,
            file_name,
            render_objects,
            render_stream,
            service_order,
        )
        from ..project import load_project
        from ..source import resolve_source
        from ..vmagent import AGENTS, render_vmagent_objects

        with handle_errors():
            if agent not in AGENTS:
                raise UsageError(f"--agent {agent!r}: expected one of {', '.join(AGENTS)}")
            tree = resolve_source(source)
            project = load_project(tree, BUILD_PARTS)
            selectors = project.config
            options = ManifestOptions(
                remote_write_url=remote_write_url,
                namespace=namespace,
                cluster=cluster,
                basic_auth_secret=basic_auth_secret,
                component_ca_configmap=component_ca_configmap,
                client_cert_secret=client_cert_secret,
                keep=keep_lists(project, keep),
            )
            render = render_vmagent_objects if agent == "vmagent" else render_objects
            objects = render(selectors, options)
            order = service_order(selectors)
            prefix = "" if out == "-" else f"{out.rstrip('/')}/"
            problems: list[str] = []
            if validate:
                problems, note = validate_manifests_best_effort(objects, k8s_version, prefix, order)
                if note:
                    typer.echo(f"note: {note}", err=True)
        if problems:
            for p in problems:
                err(p)
            raise typer.Exit(EXIT_ERROR)

        if out == "-":
            typer.echo(render_stream(objects), nl=False)
            return
        # Everything is rendered and checked before the first write (staged, then moved in).
        directory = Path(out)
        with handle_errors():
            try:
                written = write_all({file_name(o, order): dump_yaml(o) for o in objects}, directory)
            except OSError as exc:
                err(f"{out}: {exc}")
                raise typer.Exit(EXIT_ERROR) from None
        for w in written:
            typer.echo(f"wrote {directory / w.path}", err=True)
