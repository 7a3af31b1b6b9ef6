"""Page forms for TQM, one module per area: projects (details, filters, step moves), the step
pages' artefacts (steps), and the stateless calculators. Forms parse shape; the services decide
every rule and their refusals come back through qa_center.pages."""
