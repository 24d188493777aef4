from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def _no_forbidden_value(args, report_violation):
    if args.resource_type.endswith("tiny:Tiny") and args.props.get("value") == "forbidden":
        report_violation(f"{args.name}: value 'forbidden' is not allowed")


PolicyPack(
    name="tiny-policy",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="no-forbidden-value", description="value must not be 'forbidden'", validate=_no_forbidden_value
        )
    ],
)
