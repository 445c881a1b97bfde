"""Front-ends that serve the catalog to other programs: a local HTTP API and an MCP server.

- ``service``: the answers both give (one core call per request; errors as problems with an
  HTTP status and the CLI's exit code). No web framework here.
- ``nlm``: the NLM Clinical Tables HCPCS search shape, for autocomplete widgets.
- ``api``: the HTTP application (Starlette), its limits and its token check.
- ``openapi``: the API's OpenAPI description.
- ``mcp``: the MCP server (the official ``mcp`` SDK) over stdio.

The web and MCP libraries are optional extras (``hcpcs-cli[serve]``, ``hcpcs-cli[mcp]``): nothing
in the CLI or the core imports this package unless ``hcpcs serve`` or ``hcpcs mcp`` runs.
"""
