"""Products API (`/api/v1/products/…`, `/api/v1/funders/…`, matching, pre-screening)."""

from django.core.exceptions import ValidationError
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from lenddesk.products import scorecard, selectors, services
from lenddesk.products.matching import reason_text
from lenddesk.products.models import (
    FunderKind,
    FunderStatus,
    ProductType,
    RepaymentMethod,
)
from lenddesk.products.permissions import ProductPermission as P
from lenddesk.products.presenters import (
    cost_inputs,
    explain_lines,
    inputs_cost_sheet,
)
from lenddesk.web.api import TenantAPIView
from lenddesk.web.params import IdField, int_or_none

LANGUAGES = ("zh-hans", "en")


class ProductsAPIView(TenantAPIView):
    module = "products"


class FunderSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=FunderKind.choices, required=False)
    status = serializers.ChoiceField(choices=FunderStatus.choices, required=False)
    contact_name = serializers.CharField(
        max_length=60, required=False, allow_blank=True
    )
    contact_phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True
    )
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    agreement_terms = serializers.CharField(required=False, allow_blank=True)
    agreement_expires_on = serializers.DateField(required=False, allow_null=True)
    rebate_percent = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, required=False
    )
    rebate_terms = serializers.CharField(required=False, allow_blank=True)


class ProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    funder = IdField()
    name = serializers.CharField(max_length=100)
    type = serializers.ChoiceField(choices=ProductType.choices)
    amount_min = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount_max = serializers.DecimalField(max_digits=14, decimal_places=2)
    term_min = serializers.IntegerField(min_value=1, max_value=480)
    term_max = serializers.IntegerField(min_value=1, max_value=480)
    rate_min = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=0)
    rate_max = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=0)
    repayment_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=RepaymentMethod.choices)
    )
    processing_days = serializers.IntegerField(
        min_value=0, max_value=365, required=False
    )
    service_fee_percent = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, required=False
    )
    service_fee_min = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False
    )
    guarantee_fee_percent = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, required=False
    )
    guarantee_fee_monthly_percent = serializers.DecimalField(
        max_digits=6, decimal_places=4, min_value=0, required=False
    )
    required_documents = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False
    )
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)

    def to_representation(self, product):
        out = {
            name: getattr(product, name)
            for name in services.PRODUCT_FIELDS
            if name != "funder"
        }
        for key, value in out.items():
            if hasattr(value, "quantize"):
                out[key] = str(value)
        return {
            "id": product.pk,
            "funder": product.funder_id,
            "funder_name": product.funder.name,
            **out,
        }


class RulesSerializer(serializers.Serializer):
    rules = serializers.ListField(child=serializers.DictField(), allow_empty=True)
    effective_from = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


def _rule_set(rule_set):
    return {
        "id": rule_set.pk,
        "version": rule_set.version,
        "effective_from": rule_set.effective_from,
        "rules": rule_set.rules,
        "note": rule_set.note,
        "created_at": rule_set.created_at,
    }


def _funder_data(body, partial=False) -> dict:
    return dict(body.validated_data)


class FunderListAPI(ProductsAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.MANAGE,)}

    @extend_schema(responses=FunderSerializer(many=True), tags=["products"])
    def get(self, request):
        return Response(FunderSerializer(selectors.funder_list(), many=True).data)

    @extend_schema(
        request=FunderSerializer, responses={201: FunderSerializer}, tags=["products"]
    )
    def post(self, request):
        body = FunderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        funder = services.funder_save(actor=request.user, data=_funder_data(body))
        return Response(FunderSerializer(funder).data, status=status.HTTP_201_CREATED)


class FunderDetailAPI(ProductsAPIView):
    permissions = {"GET": (P.VIEW,), "PATCH": (P.MANAGE,)}

    @extend_schema(responses=FunderSerializer, tags=["products"])
    def get(self, request, pk: int):
        return Response(FunderSerializer(selectors.funder_get(funder_id=pk)).data)

    @extend_schema(
        request=FunderSerializer, responses=FunderSerializer, tags=["products"]
    )
    def patch(self, request, pk: int):
        funder = selectors.funder_get(funder_id=pk)
        body = FunderSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        funder = services.funder_save(
            actor=request.user, data=_funder_data(body), funder=funder
        )
        return Response(FunderSerializer(funder).data)


def _product_data(body) -> dict:
    data = dict(body.validated_data)
    if "funder" in data:
        funder = selectors.funder_list().filter(pk=data["funder"]).first()
        if funder is None:
            raise ValidationError({"funder": ["No such funder in your firm."]})
        data["funder"] = funder
    return data


class ProductListAPI(ProductsAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.MANAGE,)}

    @extend_schema(
        parameters=[
            OpenApiParameter("type", str),
            OpenApiParameter("funder", int),
            OpenApiParameter("active", bool),
        ],
        responses=ProductSerializer(many=True),
        tags=["products"],
    )
    def get(self, request):
        product_type = request.query_params.get("type", "")
        active = {"true": True, "1": True, "false": False, "0": False}.get(
            request.query_params.get("active", "").lower()
        )
        products = selectors.product_list(
            product_type=product_type if product_type in ProductType.values else "",
            funder_id=int_or_none(request.query_params.get("funder")),
            active=active,
        )
        return Response(ProductSerializer(products, many=True).data)

    @extend_schema(
        request=ProductSerializer,
        responses={201: ProductSerializer},
        tags=["products"],
    )
    def post(self, request):
        body = ProductSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product = services.product_save(actor=request.user, data=_product_data(body))
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailAPI(ProductsAPIView):
    permissions = {"GET": (P.VIEW,), "PATCH": (P.MANAGE,)}

    @extend_schema(responses=ProductSerializer, tags=["products"])
    def get(self, request, pk: int):
        product = selectors.product_get(product_id=pk)
        data = ProductSerializer(product).data
        in_force = selectors.rule_set_in_force(product)
        data["rules_in_force"] = _rule_set(in_force) if in_force else None
        return Response(data)

    @extend_schema(
        request=ProductSerializer, responses=ProductSerializer, tags=["products"]
    )
    def patch(self, request, pk: int):
        product = selectors.product_get(product_id=pk)
        body = ProductSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        product = services.product_save(
            actor=request.user, data=_product_data(body), product=product
        )
        return Response(ProductSerializer(product).data)


class ProductRulesAPI(ProductsAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.MANAGE,)}

    @extend_schema(responses=OpenApiTypes.OBJECT, tags=["products"])
    def get(self, request, pk: int):
        product = selectors.product_get(product_id=pk)
        return Response(
            {"versions": [_rule_set(r) for r in selectors.rule_sets_of(product)]}
        )

    @extend_schema(
        responses=OpenApiTypes.OBJECT, request=RulesSerializer, tags=["products"]
    )
    def post(self, request, pk: int):
        product = selectors.product_get(product_id=pk)
        body = RulesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rule_set = services.rules_save(
            actor=request.user,
            product=product,
            rows=body.validated_data["rules"],
            effective_from=body.validated_data.get("effective_from"),
            note=body.validated_data.get("note", ""),
        )
        return Response(_rule_set(rule_set), status=status.HTTP_201_CREATED)


def _match_payload(outcome) -> dict:
    """Every product with its criteria; each explanation in zh-hans and en (one
    language switch per language, not per criterion)."""
    words: dict[int, dict] = {}
    reasons: dict[int, dict] = {}
    for language in LANGUAGES:
        with translation.override(language):
            for m in outcome.matches:
                reasons.setdefault(id(m), {})[language] = [
                    reason_text(r) for r in m.reasons
                ]
                for c in m.criteria:
                    words.setdefault(id(c), {})[language] = c.words(language)
    items = []
    for m in outcome.matches:
        items.append(
            {
                "product": m.product.pk,
                "product_name": m.product.name,
                "funder": m.product.funder.name,
                "type": m.product.type,
                "rule_set": m.rule_set.pk if m.rule_set else None,
                "rule_version": m.version,
                "eligible": m.eligible,
                "rank": m.rank,
                "score": m.score,
                "expected_cost": str(m.expected_cost)
                if m.expected_cost is not None
                else None,
                "rank_reasons": reasons[id(m)],
                "criteria": [{**c.as_dict(), "text": words[id(c)]} for c in m.criteria],
            }
        )
    return {
        "match": outcome.run.pk,
        "customer": outcome.customer.pk,
        "created_at": outcome.run.created_at,
        "eligible_count": outcome.run.eligible_count,
        "results": items,
    }


class CustomerMatchAPI(ProductsAPIView):
    permissions = {"GET": (P.MATCH,)}

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        description="Every active product for this customer: eligible or not, each "
        "failed rule in zh-hans and en with what would qualify, declared or "
        "verified, eligible ones ranked with the reason. Stored as a match.",
        tags=["products"],
    )
    def get(self, request, pk: int):
        customer = selectors.owned_customer_get(actor=request.user, customer_id=pk)
        outcome = services.match_customer(actor=request.user, customer=customer)
        return Response(_match_payload(outcome))


class MatchDetailAPI(ProductsAPIView):
    permissions = {"GET": (P.MATCH,)}

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        description="A past match, explained with the rule versions it used.",
        tags=["products"],
    )
    def get(self, request, pk: int):
        run = selectors.match_run_get(actor=request.user, run_id=pk)
        return Response(_match_payload(services.match_explain(run=run)))


class CostAPI(ProductsAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter("amount", str),
            OpenApiParameter("term", int),
            OpenApiParameter("method", str),
            OpenApiParameter("rate", str),
            OpenApiParameter("customer", int),
        ],
        tags=["products"],
    )
    def get(self, request, pk: int):
        product = selectors.product_get(product_id=pk)
        customer_id = int_or_none(request.query_params.get("customer"))
        customer = None
        if customer_id:
            customer = selectors.owned_customer_get(
                actor=request.user, customer_id=customer_id
            )
        inputs, errors = cost_inputs(product, request.query_params, customer)
        if errors:
            raise ValidationError(errors)
        sheet = inputs_cost_sheet(product, inputs)
        return Response(
            {
                "product": product.pk,
                "amount": str(sheet.amount),
                "term": sheet.term,
                "method": sheet.method,
                "annual_rate": str(sheet.annual_rate),
                "service_fee": str(sheet.service_fee),
                "guarantee_fees": str(sheet.total_guarantee),
                "total_interest": str(sheet.total_interest),
                "total_cost": str(sheet.total_cost),
                "apr": str(sheet.apr),
                "effective_annual": str(sheet.effective_annual),
                "ceiling": str(sheet.ceiling),
                "above_ceiling": sheet.above_ceiling,
                "schedule": [
                    {
                        "month": i.number,
                        "principal": str(i.principal),
                        "interest": str(i.interest),
                        "guarantee_fee": str(i.guarantee_fee),
                        "payment": str(i.total),
                        "balance": str(i.balance),
                    }
                    for i in sheet.schedule
                ],
            }
        )


def _job(job) -> dict:
    return {
        "id": job.pk,
        "product": job.product_id,
        "rule_version": job.rule_set.version if job.rule_set else None,
        "status": job.status,
        "candidates": job.candidates,
        "processed": job.processed,
        "matched": job.matched,
        "percent": job.percent,
        "customers": job.customer_ids[-1000:],
    }


class ReverseMatchStartAPI(ProductsAPIView):
    permissions = {"POST": (P.MATCH,)}

    @extend_schema(responses=OpenApiTypes.OBJECT, request=None, tags=["products"])
    def post(self, request, pk: int):
        product = selectors.product_get(product_id=pk)
        job = services.reverse_match_start(actor=request.user, product=product)
        return Response(_job(job), status=status.HTTP_202_ACCEPTED)


class ReverseMatchAPI(ProductsAPIView):
    permissions = {"GET": (P.MATCH,)}

    @extend_schema(responses=OpenApiTypes.OBJECT, tags=["products"])
    def get(self, request, pk: int):
        job = selectors.job_get(actor=request.user, job_id=pk)
        data = _job(job)
        data["customers"] = [
            c.pk
            for c in selectors.job_customers(actor=request.user, job=job, limit=1000)
        ]
        return Response(data)


def _prescreen(prescreen) -> dict:
    lines = {}
    for language in LANGUAGES:
        with translation.override(language):
            lines[language] = explain_lines(prescreen)
    return {
        "id": prescreen.pk,
        "customer": prescreen.customer_id,
        "grade": prescreen.grade,
        "points": prescreen.points,
        "declined": prescreen.declined,
        "scorecard_version": prescreen.scorecard.version,
        "inputs": prescreen.inputs,
        "lines": prescreen.lines,
        "explanation": lines,
        "created_at": prescreen.created_at,
    }


class PreScreenRunAPI(ProductsAPIView):
    permissions = {"POST": (P.PRESCREEN,)}

    @extend_schema(responses=OpenApiTypes.OBJECT, request=None, tags=["products"])
    def post(self, request, pk: int):
        customer = selectors.owned_customer_get(actor=request.user, customer_id=pk)
        prescreen = scorecard.prescreen_run(actor=request.user, customer=customer)
        return Response(_prescreen(prescreen), status=status.HTTP_201_CREATED)


class PreScreenAPI(ProductsAPIView):
    permissions = {"GET": (P.PRESCREEN, P.REVIEW)}

    @extend_schema(responses=OpenApiTypes.OBJECT, tags=["products"])
    def get(self, request, pk: int):
        return Response(
            _prescreen(selectors.prescreen_get(actor=request.user, prescreen_id=pk))
        )


class ReviewRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ReviewRequestAPI(ProductsAPIView):
    permissions = {"POST": (P.PRESCREEN,)}

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=ReviewRequestSerializer,
        tags=["products"],
    )
    def post(self, request, pk: int):
        prescreen = selectors.prescreen_get(actor=request.user, prescreen_id=pk)
        has_body = request.META.get("CONTENT_LENGTH") not in (None, "", "0")
        body = ReviewRequestSerializer(data=request.data if has_body else {})
        body.is_valid(raise_exception=True)
        review = services.review_request(
            actor=request.user,
            prescreen=prescreen,
            reason=body.validated_data.get("reason", ""),
        )
        return Response(
            {
                "id": review.pk,
                "state": review.state,
                "role": review.role.key if review.role else None,
            },
            status=status.HTTP_201_CREATED,
        )
